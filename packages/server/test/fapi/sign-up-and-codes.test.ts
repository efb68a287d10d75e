import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type ClientJSON, type SignInJSON } from '../support/fapi-client.js';
import { latestCode, latestLink } from '../support/inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Sign-up verified by an emailed code, sign-in by email code, and a forgotten password reset by code. */
let t: TestServer;
let seq = 0;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

const PASSWORD = 'a long and unusual passphrase 7';

interface SignUpJSON {
  id: string;
  status: string;
  missing_fields: string[];
  unverified_fields: string[];
  verifications: { email_address: { status: string; strategy: string; next_action: string } | null };
  created_user_id: string | null;
  created_session_id: string | null;
}

function address(): string {
  return `newcomer${++seq}.${Date.now()}@signup.test`;
}

/** A sign-up started with `fields` and its emailed code, not yet entered. */
async function awaitingCode(b: FapiBrowser, email: string, fields: Record<string, string> = {}): Promise<{ attempt: SignUpJSON; code: string }> {
  const created = await b.call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD, ...fields });
  expect(created.status).toBe(200);
  const attempt = created.body.response as SignUpJSON;
  const since = Date.now();
  const prepared = await b.call('POST', `/client/sign_ups/${attempt.id}/prepare_verification`, { strategy: 'email_code' });
  expect(prepared.status).toBe(200);
  return { attempt, code: await latestCode(t.url, email, since) };
}

async function signUp(b: FapiBrowser, email: string): Promise<SignUpJSON> {
  const { attempt, code } = await awaitingCode(b, email, { unsafe_metadata: '{"plan":"trial"}' });
  const verified = await b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_code', code });
  expect(verified.status).toBe(200);
  return verified.body.response as SignUpJSON;
}

describe('sign-up with an email code', () => {
  it('creates the user and an active session once the emailed code is verified', async () => {
    const email = address();
    const b = new FapiBrowser(t.url);
    const created = await b.call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD, unsafe_metadata: '{"plan":"trial"}' });
    const attempt = created.body.response as SignUpJSON;
    expect(attempt).toMatchObject({ status: 'missing_requirements', missing_fields: [], unverified_fields: ['email_address'], created_user_id: null });
    expect((created.body.client as ClientJSON & { sign_up: { id: string } }).sign_up.id).toBe(attempt.id);

    const since = Date.now();
    const prepared = await b.call('POST', `/client/sign_ups/${attempt.id}/prepare_verification`, { strategy: 'email_code' });
    expect((prepared.body.response as SignUpJSON).verifications.email_address).toMatchObject({ status: 'unverified', strategy: 'email_code', next_action: 'needs_attempt' });
    const code = await latestCode(t.url, email, since);

    const wrong = await b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_code', code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors?.[0]?.code).toBe('form_code_incorrect');

    const done = await b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_code', code });
    expect(done.status).toBe(200);
    const complete = done.body.response as SignUpJSON;
    expect(complete.status).toBe('complete');
    const user = await t.clerk.users.getUser(complete.created_user_id!);
    expect(user.emailAddresses[0]?.emailAddress).toBe(email);
    expect(user.emailAddresses[0]?.verification?.status).toBe('verified');
    expect(user.passwordEnabled).toBe(true);
    expect(user.unsafeMetadata).toEqual({ plan: 'trial' });
    expect((await t.clerk.sessions.getSession(complete.created_session_id!)).status).toBe('active');
    expect((done.body.client as ClientJSON).sessions[0]?.user.id).toBe(user.id);

    // Signed in, this browser cannot start another sign-up (one session per browser by default).
    const second = await b.call('POST', '/client/sign_ups', { email_address: address(), password: PASSWORD });
    expect(second.body.errors?.[0]?.code).toBe('session_exists');

    // The code worked once: replaying it changes nothing.
    const replay = await b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_code', code });
    expect(replay.status).toBeGreaterThanOrEqual(400);
    expect((await t.clerk.users.getUserList({ emailAddress: [email] })).data).toHaveLength(1);
    expect(b.specFailures).toEqual([]);
  });

  it('fails the verification for good after five wrong codes, even with the right one after', async () => {
    const email = address();
    const b = new FapiBrowser(t.url);
    const { attempt, code } = await awaitingCode(b, email);
    const wrongCode = code === '123456' ? '654321' : '123456';
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_code', code: wrongCode })).body.errors?.[0]?.code ?? '');
    expect(codes).toEqual(['form_code_incorrect', 'form_code_incorrect', 'form_code_incorrect', 'form_code_incorrect', 'verification_failed']);
    const sixth = await b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_code', code });
    expect(sixth.body.errors?.[0]?.code).toBe('verification_failed');
    expect((await t.clerk.users.getUserList({ emailAddress: [email] })).data).toEqual([]);
  });

  it('refuses a taken email, a weak password, another client, and sign-ups when the instance is restricted', async () => {
    const email = address();
    await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const b = new FapiBrowser(t.url);
    const taken = await b.call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD });
    expect(taken.status).toBe(422);
    expect(taken.body.errors?.[0]).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'email_address' } });
    const weak = await b.call('POST', '/client/sign_ups', { email_address: address(), password: 'password' });
    expect(weak.status).toBe(422);
    expect(weak.body.errors?.[0]?.meta).toMatchObject({ param_name: 'password' });

    const attempt = (await b.call('POST', '/client/sign_ups', { email_address: address(), password: PASSWORD })).body.response as SignUpJSON;
    const other = new FapiBrowser(t.url);
    expect((await other.call('GET', `/client/sign_ups/${attempt.id}`)).status).toBe(404);

    await t.request('PATCH', '/v1/instance/user_settings', { body: { sign_up: { mode: 'restricted', legal_consent_enabled: false } } });
    try {
      const refused = await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { email_address: address(), password: PASSWORD });
      expect(refused.status).toBe(403);
      expect(refused.body.errors?.[0]?.code).toBe('sign_up_restricted');
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { sign_up: { mode: 'public', legal_consent_enabled: false } } });
    }
  });

  it('completes exactly once when two attempts with the right code race', async () => {
    const email = address();
    const b = new FapiBrowser(t.url);
    const { attempt, code } = await awaitingCode(b, email);
    await Promise.allSettled([1, 2, 3].map(() => b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_code', code })));
    const users = (await t.clerk.users.getUserList({ emailAddress: [email] })).data;
    expect(users).toHaveLength(1);
    expect((await t.clerk.sessions.getSessionList({ userId: users[0]!.id })).data).toHaveLength(1);
  });
});

describe('sign-in by email code, and a forgotten password', () => {
  it('signs in with a code mailed to the account', async () => {
    const email = address();
    const signedUp = await signUp(new FapiBrowser(t.url), email);
    const b = new FapiBrowser(t.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    const factor = started.supported_first_factors.find((f) => f.strategy === 'email_code');
    expect(factor).toMatchObject({ safe_identifier: email });
    const since = Date.now();
    const prepared = await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_code', email_address_id: factor!.email_address_id! });
    expect((prepared.body.response as SignInJSON).first_factor_verification).toMatchObject({ status: 'unverified', strategy: 'email_code' });
    const code = await latestCode(t.url, email, since);
    const done = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect(done.body.errors ?? []).toEqual([]);
    expect((done.body.response as SignInJSON).status).toBe('complete');
    expect((done.body.client as ClientJSON).sessions[0]?.user.id).toBe(signedUp.created_user_id);
    expect(b.specFailures).toEqual([]);
  });

  it('refuses a code past its ten minutes and a code used twice, and neither makes a session', async () => {
    const email = address();
    const userId = (await signUp(new FapiBrowser(t.url), email)).created_user_id!;
    const activeSessions = async () => (await t.clerk.sessions.getSessionList({ userId, status: 'active' })).data.length;
    const before = await activeSessions();

    // Expired: the code is right, but its verification lapsed (as ten minutes later).
    const late = new FapiBrowser(t.url);
    const lateSignIn = (await late.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    let since = Date.now();
    const prepared = await late.call('POST', `/client/sign_ins/${lateSignIn.id}/prepare_first_factor`, { strategy: 'email_code' });
    const lateCode = await latestCode(t.url, email, since);
    const verificationId = (await t.server.store.db.selectFrom('sign_ins').select('first_factor_verification_id').where('id', '=', lateSignIn.id).executeTakeFirstOrThrow()).first_factor_verification_id!;
    expect((prepared.body.response as SignInJSON).first_factor_verification?.status).toBe('unverified');
    await t.server.store.db.updateTable('verifications').set({ expire_at: Date.now() - 1 }).where('id', '=', verificationId).execute();
    const expired = await late.call('POST', `/client/sign_ins/${lateSignIn.id}/attempt_first_factor`, { strategy: 'email_code', code: lateCode });
    expect(expired.status).toBe(422);
    expect(expired.body.errors?.[0]?.code).toBe('verification_expired');
    expect((await late.call('GET', `/client/sign_ins/${lateSignIn.id}`)).body.response).toMatchObject({ status: 'needs_first_factor', created_session_id: null });
    expect(await activeSessions()).toBe(before);

    // Used twice: the first use signs in, the second is refused and changes nothing.
    const b = new FapiBrowser(t.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    since = Date.now();
    await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_code' });
    const code = await latestCode(t.url, email, since);
    const first = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect((first.body.response as SignInJSON).status).toBe('complete');
    const again = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    expect(await activeSessions()).toBe(before + 1);
    expect([...late.specFailures, ...b.specFailures]).toEqual([]);
  });

  it('resets a password by emailed code, signing out the other sessions', async () => {
    const email = address();
    const first = new FapiBrowser(t.url);
    const signedUp = await signUp(first, email);
    const userId = signedUp.created_user_id!;

    const b = new FapiBrowser(t.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    const since = Date.now();
    await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'reset_password_email_code' });
    const code = await latestCode(t.url, email, since, 'password_reset_code');
    const verified = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'reset_password_email_code', code });
    expect((verified.body.response as SignInJSON).status).toBe('needs_new_password');
    const NEW = 'an entirely new passphrase 19';
    const reset = await b.call('POST', `/client/sign_ins/${started.id}/reset_password`, { password: NEW, sign_out_of_other_sessions: 'true' });
    expect(reset.status).toBe(200);
    const done = reset.body.response as SignInJSON;
    expect(done.status).toBe('complete');
    expect((await t.clerk.sessions.getSession(signedUp.created_session_id!)).status).not.toBe('active');
    expect((await t.clerk.sessions.getSession(done.created_session_id!)).status).toBe('active');
    expect((await t.clerk.users.verifyPassword({ userId, password: NEW })).verified).toBe(true);
    expect(b.specFailures).toEqual([]);
  });

  it('verifies a sign-up by an emailed link opened in the same browser, and only there, once', async () => {
    const emailSettings = (verifications: string[]) => ({
      body: { email_address: { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code'], verifications, verify_at_sign_up: true } },
    });
    await t.request('PATCH', '/v1/instance/user_settings', emailSettings(['email_code', 'email_link']));
    try {
      const email = address();
      const b = new FapiBrowser(t.url);
      const attempt = (await b.call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD })).body.response as SignUpJSON & {
        verifications: { email_address: { supported_strategies: string[] } | null };
      };
      expect(attempt.unverified_fields).toEqual(['email_address']);
      const outside = await b.call('POST', `/client/sign_ups/${attempt.id}/prepare_verification`, { strategy: 'email_link', redirect_url: 'https://evil.example/verified' });
      expect(outside.status).toBe(422);
      expect(outside.body.errors?.[0]?.meta).toMatchObject({ param_name: 'redirect_url' });

      const since = Date.now();
      const prepared = await b.call('POST', `/client/sign_ups/${attempt.id}/prepare_verification`, { strategy: 'email_link', redirect_url: `${t.url}/sign-up/verified` });
      expect(prepared.status).toBe(200);
      expect((prepared.body.response as SignUpJSON).verifications.email_address).toMatchObject({ status: 'unverified', strategy: 'email_link' });
      const link = await latestLink(t.url, email, since, 'verification_link');
      expect(link.startsWith(`${t.url}/fapi/v1/verify?`)).toBe(true);
      // A code attempt cannot stand in for the link.
      expect((await b.call('POST', `/client/sign_ups/${attempt.id}/attempt_verification`, { strategy: 'email_link', code: '123456' })).status).toBe(422);

      const elsewhere = await fetch(link, { redirect: 'manual' });
      expect(new URL(elsewhere.headers.get('location')!).searchParams.get('__clerk_status')).toBe('client_mismatch');
      expect((await t.clerk.users.getUserList({ emailAddress: [email] })).data).toEqual([]);

      const opened = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
      expect(opened.status).toBe(303);
      const back = new URL(opened.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(`${t.url}/sign-up/verified`);
      expect(back.searchParams.get('__clerk_status')).toBe('verified');
      b.keepCookies(opened.headers);
      // The tab that asked polls its sign-up and finds it complete.
      const done = (await b.call('GET', `/client/sign_ups/${attempt.id}`)).body.response as SignUpJSON;
      expect(done.status).toBe('complete');
      const user = await t.clerk.users.getUser(done.created_user_id!);
      expect(user.emailAddresses.map((e) => [e.emailAddress, e.verification?.status])).toEqual([[email, 'verified']]);
      expect((await t.clerk.sessions.getSession(done.created_session_id!)).status).toBe('active');

      const again = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
      expect(new URL(again.headers.get('location')!).searchParams.get('__clerk_status')).toBe('failed');
      expect((await t.clerk.users.getUserList({ emailAddress: [email] })).data).toHaveLength(1);

      // Links are offered only where the instance allows them.
      await t.request('PATCH', '/v1/instance/user_settings', emailSettings(['email_code']));
      const other = new FapiBrowser(t.url);
      const codeOnly = (await other.call('POST', '/client/sign_ups', { email_address: address(), password: PASSWORD })).body.response as SignUpJSON;
      const refused = await other.call('POST', `/client/sign_ups/${codeOnly.id}/prepare_verification`, { strategy: 'email_link', redirect_url: `${t.url}/sign-up/verified` });
      expect(refused.body.errors?.[0]?.code).toBe('strategy_for_user_invalid');
      expect([...b.specFailures, ...other.specFailures]).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', emailSettings(['email_code']));
    }
  });

  it('signs in with an emailed link opened in the same browser, and only there, once', async () => {
    await t.request('PATCH', '/v1/instance/user_settings', {
      body: { email_address: { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code', 'email_link'], verifications: ['email_code'], verify_at_sign_up: true } },
    });
    const email = address();
    const signedUp = await signUp(new FapiBrowser(t.url), email);
    const b = new FapiBrowser(t.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    expect(started.supported_first_factors.map((f) => f.strategy)).toContain('email_link');
    const outside = await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_link', redirect_url: 'https://evil.example/done' });
    expect(outside.status).toBe(422);
    const since = Date.now();
    const prepared = await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_link', redirect_url: `${t.url}/done` });
    expect(prepared.status).toBe(200);
    const link = await latestLink(t.url, email, since);
    expect(link.startsWith(`${t.url}/fapi/v1/verify?`)).toBe(true);

    const elsewhere = await fetch(link, { redirect: 'manual' });
    expect(elsewhere.status).toBe(303);
    expect(new URL(elsewhere.headers.get('location')!).searchParams.get('__clerk_status')).toBe('client_mismatch');
    expect((await t.clerk.sessions.getSessionList({ userId: signedUp.created_user_id! })).data.filter((s) => s.status === 'active')).toHaveLength(1);

    const opened = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
    expect(opened.status).toBe(303);
    const back = new URL(opened.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(`${t.url}/done`);
    expect(back.searchParams.get('__clerk_status')).toBe('verified');
    b.keepCookies(opened.headers);
    const polled = await b.call('GET', `/client/sign_ins/${started.id}`);
    const done = polled.body.response as SignInJSON;
    expect(done.status).toBe('complete');
    expect((await t.clerk.sessions.getSession(done.created_session_id!)).userId).toBe(signedUp.created_user_id);

    const again = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
    expect(new URL(again.headers.get('location')!).searchParams.get('__clerk_status')).toBe('failed');
    expect(b.specFailures).toEqual([]);
  });
});
