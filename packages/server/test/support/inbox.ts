import { waitFor } from './wait-for.js';

/** Reads the development inbox of a test server (no SMTP configured): the latest code sent to an address. */
interface InboxJSON {
  data: { to: string; text: string; kind: string; created_at: number }[];
}

export async function latestCode(baseUrl: string, to: string, after: number, kind = 'verification_code'): Promise<string> {
  return waitFor(`a ${kind} mail to ${to}`, async () => {
    const reply = await fetch(`${baseUrl}/dev/inbox`);
    const inbox = (await reply.json()) as InboxJSON;
    const mail = inbox.data.find((m) => m.to === to && m.kind === kind && m.created_at >= after);
    return mail?.text.match(/\b(\d{6})\b/)?.[1];
  });
}

/** The latest link of this kind (a sign-in link, an invitation) mailed to an address. */
export async function latestLink(baseUrl: string, to: string, after: number, kind = 'magic_link'): Promise<string> {
  return waitFor(`a ${kind} link to ${to}`, async () => {
    const inbox = (await (await fetch(`${baseUrl}/dev/inbox`)).json()) as InboxJSON;
    const mail = inbox.data.find((m) => m.to === to && m.kind === kind && m.created_at >= after);
    return mail?.text.match(/https?:\/\/\S+/)?.[0];
  });
}
