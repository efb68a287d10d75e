import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type FapiReply, type SignInJSON } from '../support/fapi-client.js';
import { latestCode, latestLink } from '../support/inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident class: a one-time secret used again — an emailed code, a sign-in link, an invitation
 * ticket, a password-reset code, a backup code — after it did its job, in the same browser or
 * another. Each works once; the second use is refused and changes nothing.
 */
let t: TestServer;
let seq = 0;
const PASSWORD = 'correct horse battery staple 42';
const REDIRECT = 'http://localhost:3000/after';

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_ALLOWED_ORIGINS: 'http://localhost:3000' });
  const links = { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code', 'email_link'], verifications: ['email_code'], verify_at_sign_up: true };
  expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: links } })).status).toBe(200);
});

afterAll(async () => {
  await t?.close();
});

const address = (tag: string) => `${tag}${++seq}.${Date.now()}@replay.test`;
const errorCode = (reply: FapiReply) => reply.body.errors?.[0]?.code;

async function sessionsOf(userId: string): Promise<number> {
  return (await t.server.store.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length;
}

async function startSignIn(b: FapiBrowser, email: string): Promise<SignInJSON> {
  return (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
}

describe('one-time secret replay', () => {
  it('an emailed sign-in code signs in once; the same code on the same attempt or a new one is refused', async () => {
    const email = address('code');
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const b = new FapiBrowser(t.url);
    const first = await startSignIn(b, email);
    const since = Date.now();
    await b.call('POST', `/client/sign_ins/${first.id}/prepare_first_factor`, { strategy: 'email_code' });
    const code = await latestCode(t.url, email, since);
    expect(((await b.call('POST', `/client/sign_ins/${first.id}/attempt_first_factor`, { strategy: 'email_code', code })).body.response as SignInJSON).status).toBe('complete');
    expect((await b.call('POST', `/client/sign_ins/${first.id}/attempt_first_factor`, { strategy: 'email_code', code })).status).toBeGreaterThanOrEqual(400);

    const other = new FapiBrowser(t.url);
    const second = await startSignIn(other, email);
    await other.call('POST', `/client/sign_ins/${second.id}/prepare_first_factor`, { strategy: 'email_code' });
    const replayed = await other.call('POST', `/client/sign_ins/${second.id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect(errorCode(replayed)).toBe('form_code_incorrect');
    expect(await sessionsOf(user.id)).toBe(1);
  });

  it('a sign-in link signs in once, and only in the browser that asked for it', async () => {
    const email = address('link');
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const b = new FapiBrowser(t.url);
    const started = await startSignIn(b, email);
    const factor = started.supported_first_factors.find((f) => f.strategy === 'email_link')!;
    const since = Date.now();
    await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_link', email_address_id: factor.email_address_id!, redirect_url: REDIRECT });
    const link = await latestLink(t.url, email, since);
    const elsewhere = await fetch(link, { redirect: 'manual' });
    expect(new URL(elsewhere.headers.get('location')!).searchParams.get('__clerk_status')).toBe('client_mismatch');
    const opened = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
    expect(new URL(opened.headers.get('location')!).searchParams.get('__clerk_status')).toBe('verified');
    b.keepCookies(opened.headers);
    const again = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
    expect(new URL(again.headers.get('location')!).searchParams.get('__clerk_status')).not.toBe('verified');
    expect(await sessionsOf(user.id)).toBe(1);
  });

  it('a password-reset code resets once', async () => {
    const email = address('reset');
    await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const b = new FapiBrowser(t.url);
    const started = await startSignIn(b, email);
    const since = Date.now();
    await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'reset_password_email_code' });
    const code = await latestCode(t.url, email, since, 'password_reset_code');
    const verified = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'reset_password_email_code', code });
    expect((verified.body.response as SignInJSON).status).toBe('needs_new_password');
    expect((await b.call('POST', `/client/sign_ins/${started.id}/reset_password`, { password: 'a reset passphrase of mine 3' })).status).toBe(200);

    const other = new FapiBrowser(t.url);
    const next = await startSignIn(other, email);
    await other.call('POST', `/client/sign_ins/${next.id}/prepare_first_factor`, { strategy: 'reset_password_email_code' });
    expect(errorCode(await other.call('POST', `/client/sign_ins/${next.id}/attempt_first_factor`, { strategy: 'reset_password_email_code', code }))).toBe('form_code_incorrect');
  });

  it('an invitation ticket makes one account; used again it is refused', async () => {
    const admin = await t.clerk.users.createUser({ emailAddress: [address('admin')], password: PASSWORD });
    const org = await t.clerk.organizations.createOrganization({ name: `Replay ${++seq}`, createdBy: admin.id });
    const email = address('ticket');
    const since = Date.now();
    await t.clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: email, role: 'org:member', inviterUserId: admin.id });
    const ticket = new URL(await latestLink(t.url, email, since, 'invitation')).searchParams.get('ticket')!;
    const first = await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'ticket', ticket, password: PASSWORD });
    expect((first.body.response as { status: string }).status).toBe('complete');
    for (const attempt of [
      () => new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'ticket', ticket, password: PASSWORD }),
      () => new FapiBrowser(t.url).call('POST', '/client/sign_ins', { strategy: 'ticket', ticket }),
    ]) {
      expect(errorCode(await attempt())).toBe('ticket_invalid');
    }
    expect((await t.clerk.users.getUserList({ emailAddress: [email] })).totalCount).toBe(1);
  });

  it('a backup code completes one second step; offered again it is refused', async () => {
    const email = address('backup');
    const created = await t.request('POST', '/v1/users', { body: { email_address: [email], password: PASSWORD, totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', backup_codes: ['replay-backup-1'] } });
    const userId = (created.body as { id: string }).id;
    const signInAndOffer = async () => {
      const b = new FapiBrowser(t.url);
      const signIn = (await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' })).body.response as SignInJSON;
      return b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: 'replay-backup-1' });
    };
    expect(((await signInAndOffer()).body.response as SignInJSON).status).toBe('complete');
    expect(errorCode(await signInAndOffer())).toBe('form_code_incorrect');
    expect(await sessionsOf(userId)).toBe(1);
  });
});
