import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueEmail } from '../../src/domain/email/outbox.js';
import { invitationEmail, magicLinkEmail, verificationCodeEmail } from '../../src/domain/email/templates.js';
import { createLogger } from '../../src/logger.js';
import { findEmailRow } from '../../src/store/repositories/email-outbox-repository.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

interface InboxJSON {
  data: { id: string; object: string; to: string; subject: string; text: string; html: string; kind: string; created_at: number }[];
  total_count: number;
}

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

/** No secret key: the inbox is for the developer's browser. */
async function get(server: TestServer, path: string): Promise<Response> {
  return fetch(`${server.url}${path}`);
}

let t: TestServer;
beforeAll(async () => {
  // The test server's public URL is http://127.0.0.1:<port> and it binds 127.0.0.1: a local server.
  t = await startTestServer({}, { logger: createLogger('info', capture) });
});
afterAll(async () => t?.close());

describe('development inbox (no GATEHOUSE_SMTP_URL)', () => {
  it('delivers to the inbox, keeps the bodies, logs the message, and lists it newest first', async () => {
    const now = Date.now();
    const first = await t.server.store.transaction((trx) =>
      queueEmail(trx, { to: 'dev-first@inbox.test', kind: 'verification_code', ...verificationCodeEmail({ applicationName: 'Acme', code: '246810', expiresInMinutes: 10 }) }, now),
    );
    const link = 'https://app.example.test/sign-in?ticket=tkt_abc&redirect=%2F';
    const second = await t.server.store.transaction((trx) =>
      queueEmail(trx, { to: 'dev-second@inbox.test', kind: 'magic_link', ...magicLinkEmail({ applicationName: '<script>alert(1)</script>', url: link, expiresInMinutes: 15 }) }, now + 1),
    );

    const inbox = await waitFor('both messages in the inbox', async () => {
      const reply = await get(t, '/dev/inbox');
      expect(reply.status).toBe(200);
      const body = (await reply.json()) as InboxJSON;
      return body.data.length >= 2 ? body : undefined;
    });
    expect(inbox.total_count).toBe(2);
    expect(inbox.data.map((m) => m.id)).toEqual([second, first]);
    const [magic, code] = inbox.data;
    expect(Object.keys(code!).sort()).toEqual(['created_at', 'html', 'id', 'kind', 'object', 'subject', 'text', 'to']);
    expect(code).toMatchObject({ to: 'dev-first@inbox.test', kind: 'verification_code', subject: 'Your Acme verification code', created_at: now });
    expect(code!.text).toContain('246810');
    expect(code!.html).toContain('246810');
    expect(magic!.text).toContain(link);
    expect(magic!.html).toContain(`href="${link.replace(/&/g, '&amp;')}"`);

    const row = await findEmailRow(t.server.store.db, first);
    expect(row).toMatchObject({ status: 'sent', transport: 'inbox', attempts: 1 });
    expect(row!.text_body).toContain('246810');

    // Development mode logs what it delivers, the code included, so a developer sees it in the terminal.
    const logged = await waitFor('the log line', () =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.email_id === first),
    );
    expect(logged).toMatchObject({ level: 30, to: 'dev-first@inbox.test', subject: 'Your Acme verification code' });
    expect(String(logged.text)).toContain('246810');

    const limited = (await (await get(t, '/dev/inbox?limit=1&offset=1')).json()) as InboxJSON;
    expect(limited.data.map((m) => m.id)).toEqual([first]);
    expect((await get(t, '/dev/inbox?limit=0')).status).toBe(422);
  });

  it('shows the inbox as a page where every value is escaped', async () => {
    await t.server.store.transaction((trx) =>
      queueEmail(
        trx,
        {
          to: 'dev-page@inbox.test',
          kind: 'invitation',
          ...invitationEmail({ applicationName: 'Acme', organizationName: '"><img src=x onerror=alert(1)>', url: 'https://app.example.test/accept?t=1&x="y"' }),
        },
        Date.now(),
      ),
    );
    const page = await waitFor('the invitation on the page', async () => {
      const reply = await get(t, '/dev/inbox/page');
      const text = await reply.text();
      return text.includes('dev-page@inbox.test') ? { reply, text } : undefined;
    });
    expect(page.reply.status).toBe(200);
    expect(page.reply.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.reply.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).not.toContain('<img');
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The link is clickable, and its quote did not end the attribute.
    expect(page.text).toContain('<a href="https://app.example.test/accept?t=1&amp;x=%22y%22" rel="noreferrer">');
  });
});

describe('development inbox, when not served', () => {
  const cases: [string, Record<string, string>][] = [
    ['an SMTP server is configured', { GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:1' }],
    ['an SMTP server is configured, even with GATEHOUSE_DEV_INBOX=1', { GATEHOUSE_SMTP_URL: 'smtps://user:secret@127.0.0.1:1', GATEHOUSE_DEV_INBOX: '1' }],
    ['GATEHOUSE_DEV_INBOX=0', { GATEHOUSE_DEV_INBOX: '0' }],
  ];
  it.each(cases)('is a 404 when %s', async (_label, env) => {
    const other = await startTestServer(env);
    try {
      expect(other.server.ctx.email.devInbox).toBe(false);
      for (const path of ['/dev/inbox', '/dev/inbox/page']) {
        const reply = await get(other, path);
        expect(reply.status, path).toBe(404);
      }
    } finally {
      await other.close();
    }
  });
});
