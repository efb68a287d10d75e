import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queueEmail, type OutgoingEmail } from '../../src/domain/email/outbox.js';
import { magicLinkEmail, verificationCodeEmail } from '../../src/domain/email/templates.js';
import { MailDispatcher, redactedSmtpUrl } from '../../src/jobs/mail-dispatcher.js';
import type { Store } from '../../src/store/db.js';
import { claimDueEmails, findEmailRow } from '../../src/store/repositories/email-outbox-repository.js';
import { openSecondStore, startTestServer, type TestServer } from '../support/test-server.js';
import { SmtpPeer, decodeHeader } from '../support/smtp-peer.js';
import { waitFor } from '../support/wait-for.js';
import { webhookPayloadErrors } from '../support/webhook-spec.js';

const logger = pino({ level: 'silent' });
const FAST_SCHEDULE = [50, 100, 150, 200];
const FROM = { name: 'Gatehouse Tests', address: 'no-reply@gatehouse.test' };

let t: TestServer;
const dispatchers: MailDispatcher[] = [];
const peers: SmtpPeer[] = [];
let serial = 0;

/** A recipient no other test uses, so a stray message of another test never counts. */
function recipient(tag: string): string {
  serial += 1;
  return `${tag}-${serial}-${Date.now()}@mail.test`;
}

function startDispatcher(port: number, extra: { store?: Store; smtpUrl?: URL } = {}): MailDispatcher {
  const d = new MailDispatcher({
    store: t.server.store,
    logger,
    smtpUrl: new URL(`smtp://127.0.0.1:${port}`),
    from: FROM,
    retryScheduleMs: FAST_SCHEDULE,
    intervalMs: 20,
    smtpTimeoutMs: 5000,
    ...extra,
  });
  d.start();
  dispatchers.push(d);
  return d;
}

async function startPeer(port = 0, auth?: { user: string; pass: string }): Promise<{ peer: SmtpPeer; port: number }> {
  const peer = new SmtpPeer(auth);
  peers.push(peer);
  return { peer, port: await peer.listen(port) };
}

/** A port nothing listens on: one a peer just gave back. */
async function closedPort(): Promise<number> {
  const peer = new SmtpPeer();
  const port = await peer.listen();
  await peer.close();
  return port;
}

function codeEmail(to: string, code = '493817'): OutgoingEmail {
  return { to, kind: 'verification_code', ...verificationCodeEmail({ applicationName: 'Acme', code, expiresInMinutes: 10 }) };
}

async function queue(message: OutgoingEmail): Promise<string> {
  return t.server.store.transaction((trx) => queueEmail(trx, message, Date.now()));
}

async function row(id: string) {
  const found = await findEmailRow(t.server.store.db, id);
  if (!found) throw new Error(`no outbox row ${id}`);
  return found;
}

async function sentRow(id: string) {
  return waitFor(`${id} recorded as sent`, async () => {
    const r = await row(id);
    return r.status === 'sent' ? r : undefined;
  });
}

beforeAll(async () => {
  // An SMTP URL that goes nowhere: the server's own dispatcher is stopped below, each test runs
  // its own against its own peer, and the development inbox stays off.
  t = await startTestServer({ GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
  await t.server.mail.stop();
});

afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await t?.close();
});

describe('queueEmail', () => {
  it('records email.created in Clerk’s shape, with neither the code nor the link', async () => {
    const to = recipient('event');
    const user = await t.request('POST', '/v1/users', { body: { email_address: [to] } });
    expect(user.status, user.text).toBe(200);
    const userId = (user.body as { id: string }).id;
    const link = 'https://app.example.test/verify?token=tok_secret_8d1f';
    const id = await queue({ to, kind: 'magic_link', userId, ...magicLinkEmail({ applicationName: 'Acme', url: link, expiresInMinutes: 15 }) });
    expect(id).toMatch(/^ema_[A-Za-z0-9]{27}$/);

    const event = await t.server.store.db.selectFrom('events').selectAll().where('type', '=', 'email.created').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(event.data).not.toContain('tok_secret_8d1f');
    expect(event.data).not.toContain('verify?');
    expect(event.subject_user_id).toBe(userId);
    const data = JSON.parse(event.data) as Record<string, unknown>;
    expect(data).toMatchObject({
      object: 'email',
      id,
      slug: 'magic_link',
      to_email_address: to,
      user_id: userId,
      subject: 'Sign in to Acme',
      body: '[redacted]',
      body_plain: null,
      status: 'queued',
      data: {},
      delivered_by_clerk: true,
    });
    const envelope = { data, object: 'event', type: 'email.created', timestamp: event.created_at, instance_id: t.server.instanceId, event_attributes: { http_request: { client_ip: '', user_agent: '' } } };
    expect(webhookPayloadErrors(envelope)).toEqual([]);
  });

  it('queues nothing, and records nothing, when the caller’s transaction rolls back', async () => {
    const to = recipient('rollback');
    let id = '';
    await expect(
      t.server.store.transaction(async (trx) => {
        id = await queueEmail(trx, codeEmail(to), Date.now());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(id).toMatch(/^ema_/);
    expect(await findEmailRow(t.server.store.db, id)).toBeUndefined();
    const events = await t.server.store.db.selectFrom('events').select('data').where('type', '=', 'email.created').execute();
    expect(events.some((e) => e.data.includes(id))).toBe(false);
  });

  it('refuses anything but one address, and keeps the subject to one line', async () => {
    await expect(queue(codeEmail('bob@example.test\r\nBcc: eve@example.test'))).rejects.toThrow(/single email address/);
    await expect(queue(codeEmail('bob@example.test, eve@example.test'))).rejects.toThrow(/single email address/);
    await expect(queue(codeEmail('not-an-address'))).rejects.toThrow(/single email address/);
    const id = await queue({ ...codeEmail(recipient('subject')), subject: 'Hello\r\nBcc: eve@example.test' });
    expect((await row(id)).subject).toBe('Hello Bcc: eve@example.test');
  });
});

describe('mail dispatcher over SMTP', () => {
  it('delivers a queued message with its subject, bodies, sender and recipient, then erases the bodies', async () => {
    const { peer, port } = await startPeer();
    startDispatcher(port);
    const to = recipient('alice');
    const rendered = verificationCodeEmail({ applicationName: 'Acme <Tools> & Co', code: '493817', expiresInMinutes: 10 });
    const id = await queue({ to, kind: 'verification_code', ...rendered });

    const [mail] = await waitFor('the message at the peer', () => (peer.to(to).length > 0 ? peer.to(to) : undefined));
    expect(mail!.envelopeFrom).toBe(FROM.address);
    expect(mail!.envelopeTo).toEqual([to]);
    expect(decodeHeader(mail!.headers.from!)).toBe(`${FROM.name} <${FROM.address}>`);
    expect(mail!.headers.to).toBe(to);
    expect(mail!.subject).toBe('Your Acme <Tools> & Co verification code');
    expect(mail!.text).toBe(rendered.text.replace(/\r\n/g, '\n'));
    expect(mail!.text).toContain('493817');
    expect(mail!.html).toBe(rendered.html);
    expect(mail!.html).toContain('Acme &lt;Tools&gt; &amp; Co');

    const sent = await sentRow(id);
    expect(sent).toMatchObject({ transport: 'smtp', attempts: 1, text_body: null, html_body: null, last_error: null, locked_until: null, to_address: to, subject: rendered.subject });
    expect(sent.sent_at).toBeGreaterThanOrEqual(sent.created_at);
    expect(peer.to(to)).toHaveLength(1);
  });

  it('keeps retrying while the SMTP server is not listening and delivers everything once it is', async () => {
    const port = await closedPort();
    startDispatcher(port);
    const addresses = [recipient('down'), recipient('down'), recipient('down')];
    const ids: string[] = [];
    for (const to of addresses) ids.push(await queue(codeEmail(to, `70000${ids.length}`)));

    // Refused at least twice each, and still waiting with its bodies: nothing was dropped.
    for (const id of ids) {
      const r = await waitFor(`${id} refused twice`, async () => {
        const current = await row(id);
        return current.attempts >= 2 ? current : undefined;
      });
      expect(r.status).toBe('pending');
      expect(r.last_error).toMatch(/ECONNREFUSED/);
      expect(r.text_body).toContain('70000');
    }

    const { peer } = await startPeer(port);
    for (const [i, to] of addresses.entries()) {
      const [mail] = await waitFor(`${to} delivered after recovery`, () => (peer.to(to).length > 0 ? peer.to(to) : undefined));
      expect(mail!.text).toContain(`70000${i}`);
    }
    for (const id of ids) expect(await sentRow(id)).toMatchObject({ transport: 'smtp', text_body: null, html_body: null });
    for (const to of addresses) expect(peer.to(to)).toHaveLength(1);
  });

  it.each([
    ['at connect (421)', 'connect', 421],
    ['at RCPT TO (451)', 'rcpt', 451],
    ['at DATA (452)', 'data', 452],
  ] as const)('retries a message the server refuses for now %s and delivers it once accepted', async (_label, stage, code) => {
    const { peer, port } = await startPeer();
    let refusing = true;
    peer.answer = () => (refusing ? { refuse: stage, code } : 'accept');
    startDispatcher(port);
    const to = recipient(`refused-${stage}`);
    const id = await queue(codeEmail(to));

    const refused = await waitFor('two refused attempts recorded', async () => {
      const r = await row(id);
      return r.attempts >= 2 ? r : undefined;
    });
    expect(refused.status).toBe('pending');
    expect(refused.last_error).toContain(String(code));
    expect(refused.text_body).not.toBeNull();
    expect(peer.to(to)).toHaveLength(0);

    refusing = false;
    await waitFor('the message after the server relents', () => (peer.to(to).length > 0 ? true : undefined));
    const sent = await sentRow(id);
    expect(sent.attempts).toBeGreaterThanOrEqual(3);
    expect(sent).toMatchObject({ text_body: null, html_body: null, last_error: null });
    expect(peer.to(to)).toHaveLength(1);
  });

  it('gives up on a recipient the server refuses for good (5xx), keeping the record without the bodies', async () => {
    const { peer, port } = await startPeer();
    const refused = recipient('nobody');
    peer.answer = (rcpt) => (rcpt === refused ? { refuse: 'rcpt', code: 550, message: 'No such user' } : 'accept');
    startDispatcher(port);
    const id = await queue(codeEmail(refused));
    const failed = await waitFor('the message marked failed', async () => {
      const r = await row(id);
      return r.status === 'failed' ? r : undefined;
    });
    expect(failed).toMatchObject({ attempts: 1, text_body: null, html_body: null, transport: null, sent_at: null });
    expect(failed.last_error).toMatch(/550/);

    // Later passes leave it alone: a message queued after it goes out, and the refused one is not offered again.
    const later = recipient('later');
    await sentRow(await queue(codeEmail(later)));
    expect(peer.offered.filter((a) => a === refused)).toHaveLength(1);
    expect(peer.received.filter((m) => m.envelopeTo.includes(refused))).toHaveLength(0);
  });

  it('authenticates with the credentials in the URL, percent-encoded, and never shows the password', async () => {
    const pass = 'p@ss:w/rd %1';
    const { peer, port } = await startPeer(0, { user: 'mailer', pass });
    const smtpUrl = new URL(`smtp://mailer:${encodeURIComponent(pass)}@127.0.0.1:${port}`);
    expect(redactedSmtpUrl(smtpUrl)).toBe(`smtp://mailer:redacted@127.0.0.1:${port}`);
    startDispatcher(port, { smtpUrl });
    const to = recipient('auth');
    const id = await queue(codeEmail(to));
    await waitFor('the authenticated delivery', () => (peer.to(to).length > 0 ? true : undefined));
    await sentRow(id);
  });

  it('sends a message whose claim lapsed (its process died mid-send) exactly once more', async () => {
    const { peer, port } = await startPeer();
    const to = recipient('crashed');
    const id = await queue(codeEmail(to));
    // Another process claims it for 100 ms and dies.
    const now = Date.now();
    const claimed = await claimDueEmails(t.server.store.db, t.server.store.dialect, now, now + 100, 100);
    expect(claimed.map((c) => c.id)).toContain(id);
    startDispatcher(port);
    await waitFor('the lapsed message', () => (peer.to(to).length > 0 ? true : undefined));
    await sentRow(id);
    expect(peer.to(to)).toHaveLength(1);
  });

  it('shares the queue between two processes: every message is sent exactly once', async () => {
    const { peer, port } = await startPeer();
    const second = await openSecondStore(t);
    try {
      startDispatcher(port);
      startDispatcher(port, { store: second });
      const addresses = Array.from({ length: 20 }, () => recipient('shared'));
      const ids = await Promise.all(addresses.map((to) => queue(codeEmail(to))));
      await waitFor('all 20 delivered', () => (addresses.every((to) => peer.to(to).length > 0) ? true : undefined), 20_000);
      for (const id of ids) await sentRow(id);
      for (const to of addresses) expect(peer.to(to)).toHaveLength(1);
    } finally {
      await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
      await second.close();
    }
  });
});
