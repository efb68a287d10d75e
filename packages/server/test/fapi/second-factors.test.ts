import { decodeJwt } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReplyMatchesSpec } from '../support/clerk-spec.js';
import { FapiBrowser, type ClientJSON, type SignInJSON } from '../support/fapi-client.js';
import { latestCode, latestLink } from '../support/inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Two-step verification from the browser, as clerk-js drives it: enrolling an authenticator app
 * on `/me/totp` and backup codes, then signing in with password + code, and everything that must
 * be refused on the way (replays, codes from too far off, used backup codes, another client's
 * sign-in). State is read back through the Backend API and the store.
 */
const MAX_ATTEMPTS = 6;
const PASSWORD = 'two steps are better than one 7';
const STEP_MS = 30_000;
/** Some tests wait for a moment away from a 30-second step boundary first. */
const TEST_MS = 90_000;

let t: TestServer;
let seq = 0;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
});

afterAll(async () => {
  await t?.close();
});

/** The code an authenticator app shows at `at` (ms), `steps` steps off. */
function appCode(secret: string, steps = 0, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at + steps * STEP_MS });
}

/** Waits, if need be, until the current 30-second step has at least 8 seconds left, so a code computed now is checked in the same step. */
async function awayFromStepEdge(): Promise<void> {
  await waitFor('a moment away from a step boundary', () => (STEP_MS - (Date.now() % STEP_MS) >= 8_000 ? true : undefined), STEP_MS);
}

interface UserJSON {
  id: string;
  two_factor_enabled: boolean;
  totp_enabled: boolean;
  backup_code_enabled: boolean;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
}

interface TotpJSON {
  object: string;
  id: string;
  secret: string | null;
  uri: string | null;
  verified: boolean;
  backup_codes: string[] | null;
}

type MfaSignInJSON = SignInJSON & {
  supported_second_factors: { strategy: string }[] | null;
  second_factor_verification: { status: string; strategy: string } | null;
};

async function bapiUser(id: string): Promise<UserJSON> {
  const reply = await t.request('GET', `/v1/users/${id}`);
  expectReplyMatchesSpec('GET', '/users/{user_id}', reply.status, reply.body);
  return reply.body as UserJSON;
}

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `mfa${++seq}.${Date.now()}@mfa.test`;
  const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
  return { id: user.id, email };
}

async function signInWithPassword(b: FapiBrowser, email: string): Promise<MfaSignInJSON> {
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect(reply.status).toBe(200);
  return reply.body.response as MfaSignInJSON;
}

/** A signed-in user who enrolled an authenticator app; the step its confirming code used is returned too. */
async function enrolled(): Promise<{ id: string; email: string; b: FapiBrowser; secret: string; backupCodes: string[]; confirmedAt: number }> {
  const { id, email } = await newUser();
  const b = new FapiBrowser(t.url);
  expect((await signInWithPassword(b, email)).status).toBe('complete');
  const started = (await b.call('POST', '/me/totp')).body.response as TotpJSON;
  await awayFromStepEdge();
  const confirmedAt = Date.now();
  const confirmed = await b.call('POST', '/me/totp/attempt_verification', { code: appCode(started.secret!, 0, confirmedAt) });
  expect(confirmed.status).toBe(200);
  return { id, email, b, secret: started.secret!, backupCodes: (confirmed.body.response as TotpJSON).backup_codes!, confirmedAt };
}

async function sessionCount(userId: string): Promise<number> {
  const rows = await t.server.store.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
  return rows.length;
}

async function eventTypes(userId: string): Promise<string[]> {
  const rows = await t.server.store.db.selectFrom('events').select('type').where('subject_user_id', '=', userId).orderBy('seq').execute();
  return rows.map((r) => r.type);
}

const errorCode = (reply: { body: { errors?: { code: string }[] } }) => reply.body.errors?.[0]?.code;

describe('enrolling an authenticator app', { timeout: TEST_MS }, () => {
  it('shows the secret once, turns two-step verification on with the first code, and issues ten backup codes', async () => {
    const { id, email } = await newUser();
    const b = new FapiBrowser(t.url);
    await signInWithPassword(b, email);

    const started = await b.call('POST', '/me/totp');
    expect(started.status).toBe(200);
    const totp = started.body.response as TotpJSON;
    expect(totp).toMatchObject({ object: 'totp', verified: false, backup_codes: null });
    expect(totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totp.uri!);
    expect([uri.protocol, uri.host, uri.searchParams.get('secret'), uri.searchParams.get('issuer')]).toEqual(['otpauth:', 'totp', totp.secret, 'Gatehouse']);
    expect(decodeURIComponent(uri.pathname)).toBe(`/Gatehouse:${email}`);
    // Not on until confirmed; the secret is stored sealed, never as given.
    expect(await bapiUser(id)).toMatchObject({ two_factor_enabled: false, totp_enabled: false });
    const stored = await t.server.store.db.selectFrom('totps').selectAll().where('user_id', '=', id).executeTakeFirstOrThrow();
    expect(stored.secret).not.toContain(totp.secret!);
    expect(stored.verified_at).toBeNull();

    await awayFromStepEdge();
    const wrong = await b.call('POST', '/me/totp/attempt_verification', { code: appCode(totp.secret!, 3) });
    expect([wrong.status, errorCode(wrong)]).toEqual([422, 'form_code_incorrect']);
    const confirmed = await b.call('POST', '/me/totp/attempt_verification', { code: appCode(totp.secret!) });
    expect(confirmed.status).toBe(200);
    const done = confirmed.body.response as TotpJSON;
    expect(done).toMatchObject({ id: totp.id, verified: true, secret: null, uri: null });
    expect(done.backup_codes).toHaveLength(10);
    expect(new Set(done.backup_codes).size).toBe(10);
    // 14 characters of 32 each: 70 bits.
    for (const code of done.backup_codes!) expect(code).toMatch(/^[a-km-np-z2-9]{14}$/);
    const stolenDigests = await t.server.store.db.selectFrom('backup_codes').select('code_digest').where('user_id', '=', id).execute();
    expect(stolenDigests).toHaveLength(10);
    expect(stolenDigests.some((d) => done.backup_codes!.includes(d.code_digest))).toBe(false);

    const user = await bapiUser(id);
    expect(user).toMatchObject({ two_factor_enabled: true, totp_enabled: true, backup_code_enabled: true });
    expect(user.mfa_enabled_at).toBeGreaterThan(0);
    // The browser's own copy of the user says so too, and a second app is refused.
    const me = (await b.call('GET', '/me')).body.response as UserJSON;
    expect(me).toMatchObject({ two_factor_enabled: true, totp_enabled: true, backup_code_enabled: true });
    const again = await b.call('POST', '/me/totp');
    expect([again.status, errorCode(again)]).toEqual([400, 'totp_already_enabled']);
    expect(await eventTypes(id)).toEqual(expect.arrayContaining(['user.totp_enabled', 'user.backup_codes_generated', 'user.updated']));
    const audit = await t.request('GET', `/v1/audit_events?user_id=${id}&type=user.totp_enabled`);
    expect((audit.body as { data: { actor: { type: string; id: string } }[] }).data[0]?.actor).toMatchObject({ type: 'user', id });
    expect(b.specFailures).toEqual([]);
  });

  it('removes the app with its backup codes, after which a password alone signs in again', async () => {
    const { id, email, b } = await enrolled();
    const removed = await b.call('DELETE', '/me/totp');
    expect(removed.status).toBe(200);
    expect(removed.body.response).toMatchObject({ object: 'totp', deleted: true });
    const user = await bapiUser(id);
    expect(user).toMatchObject({ two_factor_enabled: false, totp_enabled: false, backup_code_enabled: false });
    expect(user.mfa_disabled_at).toBeGreaterThan(0);
    expect(await t.server.store.db.selectFrom('backup_codes').select('id').where('user_id', '=', id).execute()).toEqual([]);
    expect((await signInWithPassword(new FapiBrowser(t.url), email)).status).toBe('complete');
    expect(await eventTypes(id)).toEqual(expect.arrayContaining(['user.totp_disabled', 'user.backup_codes_removed']));
    expect(b.specFailures).toEqual([]);
  });

  it('makes a new set of backup codes on request and voids the old one; none without an app', async () => {
    const { email, b, backupCodes } = await enrolled();
    const regenerated = await b.call('POST', '/me/backup_codes');
    expect(regenerated.status).toBe(200);
    const fresh = (regenerated.body.response as { object: string; codes: string[] }).codes;
    expect(fresh).toHaveLength(10);
    const other = new FapiBrowser(t.url);
    const signIn = await signInWithPassword(other, email);
    const old = await other.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[0]! });
    expect([old.status, errorCode(old)]).toEqual([422, 'form_code_incorrect']);
    const current = await other.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: fresh[0]! });
    expect((current.body.response as SignInJSON).status).toBe('complete');

    const { email: plainEmail } = await newUser();
    const plain = new FapiBrowser(t.url);
    await signInWithPassword(plain, plainEmail);
    const refused = await plain.call('POST', '/me/backup_codes');
    expect([refused.status, errorCode(refused)]).toEqual([400, 'totp_not_enabled']);
    expect(b.specFailures).toEqual([]);
  });
});

describe('signing in with two-step verification', { timeout: TEST_MS }, () => {
  it('asks for the second factor after the password, completes with a code, and puts both factor ages in the token', async () => {
    const { id, email, secret } = await enrolled();
    const before = await sessionCount(id);
    const b = new FapiBrowser(t.url);
    const signIn = await signInWithPassword(b, email);
    expect(signIn).toMatchObject({ status: 'needs_second_factor', created_session_id: null, first_factor_verification: { status: 'verified', strategy: 'password' } });
    expect(signIn.supported_second_factors).toEqual([{ strategy: 'totp' }, { strategy: 'backup_code' }]);
    expect(await sessionCount(id)).toBe(before);

    // The app's next code: the step the enrollment used is spent.
    const done = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, 1) });
    expect(done.status).toBe(200);
    const completed = done.body.response as MfaSignInJSON;
    expect(completed).toMatchObject({ status: 'complete', second_factor_verification: { status: 'verified', strategy: 'totp' } });
    const session = (done.body.client as ClientJSON).sessions.find((s) => s.id === completed.created_session_id)!;
    expect(session.user.id).toBe(id);
    expect(decodeJwt(session.last_active_token!.jwt).fva).toEqual([0, 0]);
    expect(b.specFailures).toEqual([]);
  });

  it('refuses a code used before, also when it comes again within its step, and codes two steps off', async () => {
    const { email, secret, confirmedAt } = await enrolled();
    const b = new FapiBrowser(t.url);
    let signIn = await signInWithPassword(b, email);
    // The enrollment's own code, in the step it was used in.
    const replayed = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, 0, confirmedAt) });
    expect([replayed.status, errorCode(replayed)]).toEqual([422, 'form_code_incorrect']);
    await awayFromStepEdge();
    for (const steps of [-2, 2]) {
      const off = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, steps) });
      expect([steps, off.status, errorCode(off)]).toEqual([steps, 422, 'form_code_incorrect']);
    }
    // One step ahead is within the window (a clock a little fast).
    const code = appCode(secret, 1);
    const ok = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code });
    expect((ok.body.response as SignInJSON).status).toBe('complete');
    // The same code on another browser's sign-in is spent.
    const other = new FapiBrowser(t.url);
    signIn = await signInWithPassword(other, email);
    const again = await other.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code });
    expect([again.status, errorCode(again)]).toEqual([422, 'form_code_incorrect']);
    expect((await other.call('GET', `/client/sign_ins/${signIn.id}`)).body.response).toMatchObject({ status: 'needs_second_factor', created_session_id: null });
  });

  it('takes a backup code once', async () => {
    const { email, backupCodes } = await enrolled();
    const b = new FapiBrowser(t.url);
    const signIn = await signInWithPassword(b, email);
    // As people type them: upper case, with a dash.
    const typed = `${backupCodes[3]!.slice(0, 7).toUpperCase()}-${backupCodes[3]!.slice(7)}`;
    const done = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: typed });
    expect(done.body.response).toMatchObject({ status: 'complete', second_factor_verification: { strategy: 'backup_code', status: 'verified' } });
    const other = new FapiBrowser(t.url);
    const next = await signInWithPassword(other, email);
    const reused = await other.call('POST', `/client/sign_ins/${next.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[3]! });
    expect([reused.status, errorCode(reused)]).toEqual([422, 'form_code_incorrect']);
    expect(b.specFailures).toEqual([]);
  });

  it('still asks for the second factor after an email code, and after a password reset', async () => {
    const { email, secret } = await enrolled();
    const b = new FapiBrowser(t.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    let since = Date.now();
    await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_code' });
    const code = await latestCode(t.url, email, since);
    const afterCode = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'email_code', code });
    expect(afterCode.body.response).toMatchObject({ status: 'needs_second_factor', created_session_id: null });

    const reset = new FapiBrowser(t.url);
    const forgot = (await reset.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    since = Date.now();
    await reset.call('POST', `/client/sign_ins/${forgot.id}/prepare_first_factor`, { strategy: 'reset_password_email_code' });
    const resetCode = await latestCode(t.url, email, since, 'password_reset_code');
    const verified = await reset.call('POST', `/client/sign_ins/${forgot.id}/attempt_first_factor`, { strategy: 'reset_password_email_code', code: resetCode });
    expect((verified.body.response as SignInJSON).status).toBe('needs_new_password');
    const changed = await reset.call('POST', `/client/sign_ins/${forgot.id}/reset_password`, { password: 'a brand new passphrase 88' });
    expect(changed.body.response).toMatchObject({ status: 'needs_second_factor', created_session_id: null });
    const done = await reset.call('POST', `/client/sign_ins/${forgot.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, 1) });
    expect((done.body.response as SignInJSON).status).toBe('complete');
    expect(b.specFailures).toEqual([]);
    expect(reset.specFailures).toEqual([]);
  });

  it('still asks for the second factor after an emailed link is opened', async () => {
    const { email, secret } = await enrolled();
    const linkSettings = { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code', 'email_link'], verifications: ['email_code'], verify_at_sign_up: true };
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: linkSettings } })).status).toBe(200);
    try {
      const b = new FapiBrowser(t.url);
      const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
      const factor = started.supported_first_factors.find((f) => f.strategy === 'email_link')!;
      const since = Date.now();
      const prepared = await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_link', email_address_id: factor.email_address_id!, redirect_url: `${t.url}/sign-in` });
      expect(prepared.status).toBe(200);
      const link = await latestLink(t.url, email, since, 'magic_link');
      const opened = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
      b.keepCookies(opened.headers);
      const after = (await b.call('GET', `/client/sign_ins/${started.id}`)).body.response as MfaSignInJSON;
      expect(after).toMatchObject({ status: 'needs_second_factor', created_session_id: null, first_factor_verification: { strategy: 'email_link', status: 'verified' } });
      expect(after.supported_second_factors?.map((f) => f.strategy)).toEqual(['totp', 'backup_code']);
      const done = await b.call('POST', `/client/sign_ins/${started.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, 1) });
      expect((done.body.response as SignInJSON).status).toBe('complete');
      expect(b.specFailures).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: { ...linkSettings, first_factors: ['email_code'] } } });
    }
  });

  it('lets no other client act on a sign-in waiting for its second factor, and offers no factor the user lacks', async () => {
    const { email, secret } = await enrolled();
    const b = new FapiBrowser(t.url);
    const signIn = await signInWithPassword(b, email);
    const stranger = new FapiBrowser(t.url);
    await stranger.call('GET', '/client');
    const foreign = await stranger.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, 1) });
    expect([foreign.status, errorCode(foreign)]).toEqual([404, 'resource_not_found']);
    const unknown = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'phone_code', code: '123456' });
    expect([unknown.status, errorCode(unknown)]).toEqual([422, 'strategy_for_user_invalid']);
    const prepared = await b.call('POST', `/client/sign_ins/${signIn.id}/prepare_second_factor`, { strategy: 'totp' });
    expect(prepared.body.response).toMatchObject({ status: 'needs_second_factor' });
    // A user without two-step verification never reaches the step.
    const { email: plainEmail } = await newUser();
    const plain = new FapiBrowser(t.url);
    const plainSignIn = await signInWithPassword(plain, plainEmail);
    expect(plainSignIn).toMatchObject({ status: 'complete', supported_second_factors: null });
    const late = await plain.call('POST', `/client/sign_ins/${plainSignIn.id}/attempt_second_factor`, { strategy: 'totp', code: '123456' });
    expect([late.status, errorCode(late)]).toEqual([400, 'sign_in_step_invalid']);
  });

  it(`locks the account after exactly ${MAX_ATTEMPTS} wrong codes when 50 arrive at once`, async () => {
    const { id, email, secret } = await enrolled();
    const b = new FapiBrowser(t.url);
    const signIn = await signInWithPassword(b, email);
    await awayFromStepEdge();
    const wrong = appCode(secret, 5);
    const replies = await Promise.all(Array.from({ length: 50 }, () => b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code: wrong })));
    const codes = replies.map(errorCode);
    expect(codes.filter((c) => c === 'form_code_incorrect')).toHaveLength(MAX_ATTEMPTS - 1);
    expect(codes.filter((c) => c === 'user_locked')).toHaveLength(50 - (MAX_ATTEMPTS - 1));
    // Locked: even the right code is refused now.
    const right = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, 1) });
    expect(errorCode(right)).toBe('user_locked');
    expect((await t.request('GET', `/v1/users/${id}`)).body).toMatchObject({ locked: true });
    expect(await eventTypes(id)).toContain('user.locked');
  });
});

describe('second factors and the lockout', { timeout: TEST_MS }, () => {
  it('counts wrong backup codes, wrong step-up codes and failed verify_totp toward the same lockout', async () => {
    const { id, email, b, backupCodes } = await enrolled();
    const other = new FapiBrowser(t.url);
    const signIn = await signInWithPassword(other, email);
    const wrongBackup = await other.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: 'aaaaaaaaaaaaaa' });
    expect(errorCode(wrongBackup)).toBe('form_code_incorrect');
    const sessionId = ((await b.call('GET', '/client')).body.response as ClientJSON).last_active_session_id!;
    await b.call('POST', `/client/sessions/${sessionId}/verify`, { level: 'second_factor' });
    const wrongStepUp = await b.call('POST', `/client/sessions/${sessionId}/verify/attempt_second_factor`, { strategy: 'backup_code', code: 'bbbbbbbbbbbbbb' });
    expect(errorCode(wrongStepUp)).toBe('form_code_incorrect');
    const server = await t.request('POST', `/v1/users/${id}/verify_totp`, { body: { code: '000000' } });
    expect([server.status, (server.body as { errors: { code: string }[] }).errors[0]?.code]).toEqual([422, 'form_code_incorrect']);
    expect((await t.request('GET', `/v1/users/${id}`)).body).toMatchObject({ verification_attempts_remaining: MAX_ATTEMPTS - 3 });
    // The rest of the allowance, then the lock: even a right backup code is refused.
    for (let i = 0; i < MAX_ATTEMPTS - 3; i += 1) await other.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: 'cccccccccccccc' });
    const right = await other.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: backupCodes[0]! });
    expect(errorCode(right)).toBe('user_locked');
    expect((await t.request('GET', `/v1/users/${id}`)).body).toMatchObject({ locked: true });
    expect(other.specFailures).toEqual([]);
  });
});

describe('second factors from the Backend API', { timeout: TEST_MS }, () => {
  it('imports a TOTP secret and backup codes with a new user, who then signs in with them', async () => {
    const secret = new Secret({ size: 20 }).base32;
    const email = `imported${++seq}.${Date.now()}@mfa.test`;
    const created = await t.request('POST', '/v1/users', { body: { email_address: [email], password: PASSWORD, totp_secret: secret, backup_codes: ['legacy-code-1', 'legacycode2'] } });
    expect(created.status).toBe(200);
    expectReplyMatchesSpec('POST', '/users', created.status, created.body);
    expect(created.body).toMatchObject({ two_factor_enabled: true, totp_enabled: true, backup_code_enabled: true });

    const b = new FapiBrowser(t.url);
    const signIn = await signInWithPassword(b, email);
    await awayFromStepEdge();
    // No step used yet: one step behind is within the window (a clock a little slow).
    const done = await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, -1) });
    expect((done.body.response as SignInJSON).status).toBe('complete');
    const other = new FapiBrowser(t.url);
    const next = await signInWithPassword(other, email);
    const byCode = await other.call('POST', `/client/sign_ins/${next.id}/attempt_second_factor`, { strategy: 'backup_code', code: 'LEGACYCODE2' });
    expect((byCode.body.response as SignInJSON).status).toBe('complete');

    const invalid = await t.request('POST', '/v1/users', { body: { email_address: [`bad.${email}`], password: PASSWORD, totp_secret: 'not base32!' } });
    expect([invalid.status, (invalid.body as { errors: { code: string; meta: { param_name: string } }[] }).errors[0]]).toEqual([422, expect.objectContaining({ code: 'form_param_value_invalid', meta: { param_name: 'totp_secret' } })]);
    expect((await t.clerk.users.getUserList({ emailAddress: [`bad.${email}`] })).data).toEqual([]);
  });

  it('verifies a code for the server, with @clerk/backend, using up a backup code', async () => {
    const { id, secret, backupCodes } = await enrolled();
    await awayFromStepEdge();
    expect(await t.clerk.users.verifyTOTP({ userId: id, code: appCode(secret, 1) })).toEqual({ verified: true, code_type: 'totp' });
    expect(await t.clerk.users.verifyTOTP({ userId: id, code: backupCodes[0]! })).toEqual({ verified: true, code_type: 'backup_code' });
    const reused = await t.request('POST', `/v1/users/${id}/verify_totp`, { body: { code: backupCodes[0]! } });
    expect(reused.status).toBe(422);
    expectReplyMatchesSpec('POST', '/users/{user_id}/verify_totp', reused.status, reused.body);
    // A backup code imported from elsewhere may be six digits: tried after the app, and used up.
    const sixDigits = appCode(secret) === '246813' ? '246814' : '246813';
    const imported = await t.request('POST', '/v1/users', { body: { email_address: [`sixdigits${++seq}.${Date.now()}@mfa.test`], password: PASSWORD, totp_secret: secret, backup_codes: [sixDigits] } });
    const importedId = (imported.body as { id: string }).id;
    expect(await t.clerk.users.verifyTOTP({ userId: importedId, code: sixDigits })).toEqual({ verified: true, code_type: 'backup_code' });
    expect((await t.request('POST', `/v1/users/${importedId}/verify_totp`, { body: { code: sixDigits } })).status).toBe(422);
    const { id: plain } = await newUser();
    const none = await t.request('POST', `/v1/users/${plain}/verify_totp`, { body: { code: '123456' } });
    expect([none.status, (none.body as { errors: { code: string }[] }).errors[0]?.code]).toEqual([400, 'totp_not_enabled']);
  });

  it('removes backup codes, the app, or all of it for someone who lost their phone', async () => {
    const { id } = await enrolled();
    const codes = await t.request('DELETE', `/v1/users/${id}/backup_code`);
    expect([codes.status, codes.body]).toEqual([200, { user_id: id }]);
    expectReplyMatchesSpec('DELETE', '/users/{user_id}/backup_code', codes.status, codes.body);
    expect(await bapiUser(id)).toMatchObject({ two_factor_enabled: true, totp_enabled: true, backup_code_enabled: false });
    expect((await t.request('DELETE', `/v1/users/${id}/backup_code`)).status).toBe(404);
    const totp = await t.request('DELETE', `/v1/users/${id}/totp`);
    expect([totp.status, totp.body]).toEqual([200, { user_id: id }]);
    expect(await bapiUser(id)).toMatchObject({ two_factor_enabled: false, totp_enabled: false });

    const second = await enrolled();
    expect(await t.clerk.users.disableUserMFA(second.id)).toMatchObject({ user_id: second.id });
    expect(await bapiUser(second.id)).toMatchObject({ two_factor_enabled: false, totp_enabled: false, backup_code_enabled: false });
    expect((await signInWithPassword(new FapiBrowser(t.url), second.email)).status).toBe('complete');
    // Each removal is the user's event, for webhooks and the audit log.
    expect(await eventTypes(id)).toEqual(expect.arrayContaining(['user.backup_codes_removed', 'user.totp_disabled']));
    expect(await eventTypes(second.id)).toEqual(expect.arrayContaining(['user.totp_disabled']));
    expect((await t.request('DELETE', '/v1/users/user_missing/mfa')).status).toBe(404);
  });
});

describe('two-step verification required of everyone', { timeout: TEST_MS }, () => {
  it('gives a session of someone without it a setup-mfa task, which enrolling completes', async () => {
    const settings = { authenticator_app: true, backup_code: true };
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { multi_factor: { ...settings, required: true } } })).status).toBe(200);
    try {
      const env = (await new FapiBrowser(t.url).call('GET', '/environment')).body as unknown as { user_settings: { sign_in: { second_factor: { required: boolean } } } };
      expect(env.user_settings.sign_in.second_factor.required).toBe(true);
      const { id, email } = await newUser();
      const b = new FapiBrowser(t.url);
      const signIn = await signInWithPassword(b, email);
      expect(signIn.status).toBe('complete');
      type PendingSessionJSON = ClientJSON['sessions'][number] & { tasks: { key: string }[] | null };
      const pendingSession = async () => ((await b.call('GET', '/client')).body.response as ClientJSON).sessions.find((s) => s.id === signIn.created_session_id) as PendingSessionJSON;
      const pending = await pendingSession();
      expect(pending).toMatchObject({ status: 'pending', tasks: [{ key: 'setup-mfa' }] });
      expect(decodeJwt(pending.last_active_token!.jwt).sts).toBe('pending');
      const refreshed = await b.call('POST', `/client/sessions/${pending.id}/tokens`);
      expect(decodeJwt((refreshed.body as unknown as { jwt: string }).jwt).sts).toBe('pending');

      // The person may still enroll from the pending session; the first code ends the task.
      const started = (await b.call('POST', `/me/totp?_clerk_session_id=${pending.id}`)).body.response as TotpJSON;
      await awayFromStepEdge();
      const confirmed = await b.call('POST', `/me/totp/attempt_verification?_clerk_session_id=${pending.id}`, { code: appCode(started.secret!) });
      expect((confirmed.body.response as TotpJSON).backup_codes).toHaveLength(10);
      const after = (confirmed.body.client as ClientJSON).sessions.find((s) => s.id === pending.id) as PendingSessionJSON;
      expect(after).toMatchObject({ status: 'active', tasks: null });
      expect(decodeJwt(after.last_active_token!.jwt).sts).toBe('active');
      expect(await bapiUser(id)).toMatchObject({ two_factor_enabled: true });
      // From then on, sign-ins ask for the code and need no task.
      const next = new FapiBrowser(t.url);
      expect((await signInWithPassword(next, email)).status).toBe('needs_second_factor');
      expect(b.specFailures).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { multi_factor: { ...settings, required: false } } });
    }
  });
});

describe('step-up verification of a session', { timeout: TEST_MS }, () => {
  /** The session's factors as if verified 20 minutes ago. */
  async function ageSession(sessionId: string): Promise<void> {
    const long = Date.now() - 20 * 60_000;
    await t.server.store.db.updateTable('sessions').set({ first_factor_verified_at: long, second_factor_verified_at: long }).where('id', '=', sessionId).execute();
  }

  type ReverificationJSON = {
    object: string;
    level: string;
    status: string;
    supported_first_factors: { strategy: string; email_address_id?: string }[] | null;
    supported_second_factors: { strategy: string }[] | null;
    session: { id: string; factor_verification_age: number[] | null; last_active_token: { jwt: string } | null };
  };

  it('asks for a fresh second factor before removing one, and the step-up gives it', async () => {
    const { id, b, secret } = await enrolled();
    const sessionId = ((await b.call('GET', '/client')).body.response as ClientJSON).last_active_session_id!;
    // Confirming the app proved the second factor just now: no step-up yet.
    expect((await b.call('POST', '/me/backup_codes')).status).toBe(200);
    await ageSession(sessionId);
    const refused = await b.call('DELETE', '/me/totp');
    expect([refused.status, errorCode(refused), refused.body.errors?.[0]]).toEqual([403, 'session_reverification_required', expect.objectContaining({ meta: { level: 'second_factor', after_minutes: 10 } })]);

    // Two starts at once (a double click) both answer.
    const [started, twin] = await Promise.all([0, 1].map(() => b.call('POST', `/client/sessions/${sessionId}/verify`, { level: 'second_factor' })));
    expect([started!.status, twin!.status]).toEqual([200, 200]);
    expect(started!.body.response).toMatchObject({ object: 'session_reverification', level: 'second_factor', status: 'needs_second_factor', supported_second_factors: [{ strategy: 'totp' }, { strategy: 'backup_code' }] });
    // clerk-js prepares the factor first: nothing to send for an app, the step-up is as it was.
    const prepared = await b.call('POST', `/client/sessions/${sessionId}/verify/prepare_second_factor`, { strategy: 'totp' });
    expect(prepared.body.response).toMatchObject({ object: 'session_reverification', status: 'needs_second_factor' });
    const wrong = await b.call('POST', `/client/sessions/${sessionId}/verify/attempt_second_factor`, { strategy: 'totp', code: '000000' });
    expect([wrong.status, errorCode(wrong)]).toEqual([422, 'form_code_incorrect']);
    const done = await b.call('POST', `/client/sessions/${sessionId}/verify/attempt_second_factor`, { strategy: 'totp', code: appCode(secret, 1) });
    const verified = done.body.response as ReverificationJSON;
    expect(verified).toMatchObject({ status: 'complete', session: { id: sessionId } });
    expect(verified.session.factor_verification_age).toEqual([20, 0]);
    const token = ((await b.call('POST', `/client/sessions/${sessionId}/tokens`)).body as unknown as { jwt: string }).jwt;
    expect(decodeJwt(token).fva).toEqual([20, 0]);
    expect((await b.call('DELETE', '/me/totp')).status).toBe(200);
    expect(await bapiUser(id)).toMatchObject({ totp_enabled: false });
    // New backup codes and deleting the account ask for it too, once the verification is stale.
    const { b: other } = await enrolled();
    const otherSession = ((await other.call('GET', '/client')).body.response as ClientJSON).last_active_session_id!;
    await ageSession(otherSession);
    for (const [method, path] of [['POST', '/me/backup_codes'], ['DELETE', '/me']] as const) {
      const stale = await other.call(method, path);
      expect([method, path, stale.status, errorCode(stale)]).toEqual([method, path, 403, 'session_reverification_required']);
    }
    // Nobody else's browser can step this session up.
    const stranger = new FapiBrowser(t.url);
    await stranger.call('GET', '/client');
    expect((await stranger.call('POST', `/client/sessions/${sessionId}/verify`, { level: 'first_factor' })).status).toBe(401);
    expect(b.specFailures).toEqual([]);
  });

  it('takes the password or an emailed code from someone without two-step verification', async () => {
    const { email } = await newUser();
    const b = new FapiBrowser(t.url);
    const sessionId = (await signInWithPassword(b, email)).created_session_id!;
    await ageSession(sessionId);
    const change = { current_password: PASSWORD, new_password: 'a changed passphrase of mine 5' };
    expect(errorCode(await b.call('POST', '/me/change_password', change))).toBe('session_reverification_required');

    const started = (await b.call('POST', `/client/sessions/${sessionId}/verify`, { level: 'second_factor' })).body.response as ReverificationJSON;
    expect(started).toMatchObject({ status: 'needs_first_factor', supported_second_factors: null });
    expect(started.supported_first_factors?.map((f) => f.strategy)).toEqual(['password', 'email_code']);
    const wrong = await b.call('POST', `/client/sessions/${sessionId}/verify/attempt_first_factor`, { strategy: 'password', password: 'not it at all 123' });
    expect([wrong.status, errorCode(wrong)]).toEqual([422, 'form_password_incorrect']);
    const done = await b.call('POST', `/client/sessions/${sessionId}/verify/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect(done.body.response).toMatchObject({ status: 'complete' });
    expect((await b.call('POST', '/me/change_password', change)).status).toBe(200);

    // Later, by a code mailed to the primary address.
    await ageSession(sessionId);
    const again = (await b.call('POST', `/client/sessions/${sessionId}/verify`, { level: 'first_factor' })).body.response as ReverificationJSON;
    const emailFactor = again.supported_first_factors!.find((f) => f.strategy === 'email_code')!;
    const since = Date.now();
    await b.call('POST', `/client/sessions/${sessionId}/verify/prepare_first_factor`, { strategy: 'email_code', email_address_id: emailFactor.email_address_id! });
    const code = await latestCode(t.url, email, since);
    const byCode = await b.call('POST', `/client/sessions/${sessionId}/verify/attempt_first_factor`, { strategy: 'email_code', code });
    expect((byCode.body.response as ReverificationJSON).session.factor_verification_age?.[0]).toBe(0);
    expect((await b.call('DELETE', '/me')).status).toBe(200);
    expect(b.specFailures).toEqual([]);
  });
});
