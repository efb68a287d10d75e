import { verifyToken } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type ClientJSON, type SessionJSON, type SignInJSON } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Email + password sign-in through the Frontend API, the way clerk-js drives it, with the
 * server's state read back through the Backend API.
 */
let t: TestServer;
let seq = 0;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '4' });
});

afterAll(async () => {
  await t?.close();
});

const PASSWORD = 'correct horse battery staple 42';

async function newUser(): Promise<{ id: string; email: string }> {
  const email = `person${++seq}.${Date.now()}@signin.test`;
  const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
  return { id: user.id, email };
}

function browser(): FapiBrowser {
  return new FapiBrowser(t.url);
}

async function signIn(b: FapiBrowser, email: string): Promise<SignInJSON> {
  const started = await b.call('POST', '/client/sign_ins', { identifier: email, locale: 'en-US' });
  expect(started.status).toBe(200);
  const signInId = (started.body.response as SignInJSON).id;
  const attempted = await b.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
  expect(attempted.status).toBe(200);
  return attempted.body.response as SignInJSON;
}

async function attemptsRemaining(userId: string): Promise<unknown> {
  return ((await t.request('GET', `/v1/users/${userId}`)).body as { verification_attempts_remaining?: number }).verification_attempts_remaining;
}

async function sessionStatus(sessionId: string): Promise<string> {
  return (await t.clerk.sessions.getSession(sessionId)).status;
}

describe('the Frontend API sign-in with a password', () => {
  it('serves the environment with the email and password recipe, over GET and PATCH', async () => {
    const b = browser();
    for (const method of ['GET', 'PATCH'] as const) {
      const env = await b.call(method, '/environment');
      expect(env.status).toBe(200);
      expect((env.body['display_config'] as { application_name: string }).application_name).toBe('Gatehouse');
      const settings = env.body['user_settings'] as { attributes: Record<string, { enabled: boolean; required: boolean; verifications: string[] }> };
      expect(settings.attributes['email_address']).toMatchObject({ enabled: true, required: true, verifications: ['email_code'] });
      expect(settings.attributes['password']).toMatchObject({ enabled: true, required: true });
      expect(settings.attributes['phone_number']?.enabled).toBe(false);
    }
    expect(b.specFailures).toEqual([]);
  });

  it('answers a browser without a client with a null client', async () => {
    const b = browser();
    const reply = await b.call('GET', '/client');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ response: null, client: null });
  });

  it('signs in by identifier then password, into an active session whose token Clerk verifies', async () => {
    const user = await newUser();
    const b = browser();
    const started = await b.call('POST', '/client/sign_ins', { identifier: user.email });
    expect(started.status).toBe(200);
    const attempt = started.body.response as SignInJSON;
    expect(attempt.status).toBe('needs_first_factor');
    expect(attempt.identifier).toBe(user.email);
    expect(attempt.supported_first_factors.map((f) => f.strategy)).toContain('password');
    const cookie = started.headers.getSetCookie().find((c) => c.startsWith('__client='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http on loopback
    expect(started.body.client?.sign_in?.id).toBe(attempt.id);

    const done = await b.call('POST', `/client/sign_ins/${attempt.id}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect(done.status).toBe(200);
    const completed = done.body.response as SignInJSON;
    expect(completed.status).toBe('complete');
    expect(completed.created_session_id).toMatch(/^sess_/);
    const client = done.body.client as ClientJSON;
    expect(client.sign_in).toBeNull();
    expect(client.last_active_session_id).toBe(completed.created_session_id);
    const session = client.sessions[0] as SessionJSON;
    expect(session.user.id).toBe(user.id);
    expect(Number(b.cookies.get('__client_uat'))).toBeGreaterThan(0);

    const verified = await verifyToken(session.last_active_token!.jwt, { secretKey: t.secretKey, apiUrl: t.url });
    expect(verified.sub).toBe(user.id);
    expect(verified.sid).toBe(completed.created_session_id);
    // Made for the page that asked, as the tokens clerk-js requests are: @clerk/backend checks azp.
    expect(verified.azp).toBe(new URL(t.url).origin);
    // A same-origin GET carries no Origin: Sec-Fetch-Site says the page is one of this server's.
    const sameOrigin = await b.call('GET', '/client', undefined, { origin: null, headers: { 'sec-fetch-site': 'same-origin' } });
    const reread = (sameOrigin.body.response as ClientJSON).sessions[0]!.last_active_token!.jwt;
    expect((await verifyToken(reread, { secretKey: t.secretKey, apiUrl: t.url })).azp).toBe(new URL(t.url).origin);
    // Without either (a server, a native app), the token names no page.
    const bare = await b.call('GET', '/client', undefined, { origin: null });
    expect((await verifyToken((bare.body.response as ClientJSON).sessions[0]!.last_active_token!.jwt, { secretKey: t.secretKey, apiUrl: t.url })).azp).toBeUndefined();
    expect(await sessionStatus(completed.created_session_id!)).toBe('active');
    const stored = await t.clerk.users.getUser(user.id);
    expect(stored.lastSignInAt).toBeGreaterThan(0);
    expect(b.specFailures).toEqual([]);
  });

  it('takes identifier and password in one call, as the sign-in form sends them', async () => {
    const user = await newUser();
    const b = browser();
    const wrong = await b.call('POST', '/client/sign_ins', { identifier: user.email, password: 'not the password', strategy: 'password' });
    expect(wrong.status).toBe(422);
    expect(await attemptsRemaining(user.id)).toBe(3);
    const reply = await b.call('POST', '/client/sign_ins', { identifier: user.email, password: PASSWORD, strategy: 'password' });
    expect(reply.status).toBe(200);
    expect((reply.body.response as SignInJSON).status).toBe('complete');
    expect(reply.body.client?.sign_in).toBeNull();
    // The reply's user is the one the sign-in left in the store: signed in now, its count of failures reset.
    const replied = reply.body.client?.sessions[0]?.user as Record<string, unknown> | undefined;
    const stored = (await b.call('GET', '/client')).body.client?.sessions[0]?.user;
    expect(replied).toEqual(stored);
    expect(await attemptsRemaining(user.id)).toBe(4);
    expect(replied?.['last_sign_in_at']).toBe((await t.clerk.users.getUser(user.id)).lastSignInAt);
    expect(b.specFailures).toEqual([]);
  });

  it('hands a new browser that signs in in one call one client token, which then refreshes its session', async () => {
    const user = await newUser();
    const b = browser();
    const reply = await b.call('POST', '/client/sign_ins', { identifier: user.email, password: PASSWORD, strategy: 'password' });
    expect(reply.headers.getSetCookie().filter((c) => c.startsWith('__client='))).toHaveLength(1);
    const sessionId = (reply.body.response as SignInJSON).created_session_id!;
    expect((await b.call('GET', '/client')).body.client?.sessions.map((s) => s.id)).toEqual([sessionId]);
    const token = await b.call('POST', `/client/sessions/${sessionId}/tokens`);
    expect(token.status).toBe(200);
    expect((await verifyToken(token.body.jwt!, { secretKey: t.secretKey, apiUrl: t.url })).sid).toBe(sessionId);
  });

  it('refreshes, touches and signs out; a signed-out session mints no token', async () => {
    const user = await newUser();
    const b = browser();
    const { created_session_id: sessionId } = await signIn(b, user.email);
    const token = await b.call('POST', `/client/sessions/${sessionId}/tokens`, { organization_id: '' });
    expect(token.status).toBe(200);
    expect(token.body.object).toBe('token');
    expect((await verifyToken(token.body.jwt!, { secretKey: t.secretKey, apiUrl: t.url })).sid).toBe(sessionId);

    const touched = await b.call('POST', `/client/sessions/${sessionId}/touch`, { active_organization_id: '', intent: 'select_session' });
    expect(touched.status).toBe(200);
    expect((touched.body.response as SessionJSON).id).toBe(sessionId);

    const out = await b.call('DELETE', '/client/sessions');
    expect(out.status).toBe(200);
    expect((out.body.client as ClientJSON).sessions).toEqual([]);
    expect(b.cookies.get('__client_uat')).toBe('0');
    expect(await sessionStatus(sessionId!)).toBe('ended');
    const refused = await b.call('POST', `/client/sessions/${sessionId}/tokens`);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(b.specFailures).toEqual([]);
  });

  it('changes the client token at sign-in, so a copy taken before is worthless', async () => {
    const user = await newUser();
    const b = browser();
    await b.call('POST', '/client/sign_ins', { identifier: user.email });
    const before = b.cookies.get('__client');
    const attempt = (await b.call('GET', '/client')).body.client!.sign_in!;
    await b.call('POST', `/client/sign_ins/${attempt.id}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect(b.cookies.get('__client')).not.toBe(before);
    const thief = browser();
    thief.cookies.set('__client', before!);
    expect((await thief.call('GET', '/client')).body.client).toBeNull();
  });

  it("never lets one client see or act on another client's sign-in or session", async () => {
    const user = await newUser();
    const owner = browser();
    const started = await owner.call('POST', '/client/sign_ins', { identifier: user.email });
    const signInId = (started.body.response as SignInJSON).id;
    const other = browser();
    await other.call('POST', '/client/sign_ins', {});
    expect((await other.call('GET', `/client/sign_ins/${signInId}`)).status).toBe(404);
    const stolen = await other.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect(stolen.status).toBe(404);
    const completed = await owner.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    const sessionId = (completed.body.response as SignInJSON).created_session_id!;
    expect((await other.call('POST', `/client/sessions/${sessionId}/tokens`)).status).toBe(404);
    expect((await other.call('POST', `/client/sessions/${sessionId}/end`)).status).toBe(404);
    expect(await sessionStatus(sessionId)).toBe('active');
  });

  it('refuses a wrong password, an unknown identifier and a second sign-in on a signed-in client with Clerk errors', async () => {
    const user = await newUser();
    const b = browser();
    const unknown = await b.call('POST', '/client/sign_ins', { identifier: 'nobody@signin.test' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors?.[0]).toMatchObject({ code: 'form_identifier_not_found', meta: { param_name: 'identifier' } });
    const started = await b.call('POST', '/client/sign_ins', { identifier: user.email });
    const signInId = (started.body.response as SignInJSON).id;
    const wrong = await b.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'password', password: 'not the password at all' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors?.[0]).toMatchObject({ code: 'form_password_incorrect', meta: { param_name: 'password' } });
    const audit = await t.request('GET', `/v1/audit_events?user_id=${user.id}&type=sign_in.failed`);
    const failures = (audit.body as { data: { type: string; ip: string | null; data: { error: string; strategy: string; sign_in_id: string } }[] }).data;
    expect(failures[0]).toMatchObject({ type: 'sign_in.failed', ip: '127.0.0.1', data: { error: 'form_password_incorrect', strategy: 'password', sign_in_id: signInId } });
    expect(JSON.stringify(failures)).not.toContain('not the password at all');
    const badStrategy = await b.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'totp', code: '123456' });
    expect(badStrategy.status).toBe(422);
    expect(badStrategy.body.errors?.[0]?.code).toBe('strategy_for_user_invalid');
    await b.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    const completed = await t.request('GET', `/v1/audit_events?user_id=${user.id}&type=sign_in.completed`);
    expect((completed.body as { data: { data: { strategy: string; session_id: string } }[] }).data[0]?.data).toMatchObject({ strategy: 'password' });
    const again = await b.call('POST', '/client/sign_ins', { identifier: user.email });
    expect(again.status).toBe(400);
    expect(again.body.errors?.[0]?.code).toBe('session_exists');
    expect(b.specFailures).toEqual([]);
  });

  it('turns a password marked compromised away — only the right one learns it must be reset — until it is replaced', async () => {
    const { id, email } = await newUser();
    expect((await t.request('POST', `/v1/users/${id}/password/set_compromised`, { body: {} })).status).toBe(200);
    const b = browser();
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    expect(started.supported_first_factors.map((f) => f.strategy)).toContain('reset_password_email_code');
    const wrong = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'password', password: 'not the password at all' });
    expect(wrong.body.errors?.[0]?.code).toBe('form_password_incorrect');
    const right = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect([right.status, right.body.errors?.[0]?.code, right.body.errors?.[0]?.meta]).toEqual([422, 'form_password_compromised', { param_name: 'password' }]);
    expect(((await b.call('GET', '/client')).body.response as ClientJSON).sessions).toEqual([]);
    // The right password is a success for the lockout: the count starts again.
    expect(await attemptsRemaining(id)).toBe(4);
    await t.clerk.users.updateUser(id, { password: 'a brand new passphrase 2027' });
    const after = await browser().call('POST', '/client/sign_ins', { identifier: email, password: 'a brand new passphrase 2027', strategy: 'password' });
    expect((after.body.response as SignInJSON).status).toBe('complete');
    expect(b.specFailures).toEqual([]);
  });

  it('counts failures toward the lockout and never gives a banned or locked user a session', async () => {
    const locked = await newUser();
    const b = browser();
    const started = await b.call('POST', '/client/sign_ins', { identifier: locked.email });
    const signInId = (started.body.response as SignInJSON).id;
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const reply = await b.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'password', password: `wrong ${i}` });
      codes.push(reply.body.errors?.[0]?.code ?? '');
    }
    expect(codes).toEqual(['form_password_incorrect', 'form_password_incorrect', 'form_password_incorrect', 'user_locked']);
    const right = await b.call('POST', `/client/sign_ins/${signInId}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
    expect(right.status).toBe(403);
    expect(right.body.errors?.[0]?.code).toBe('user_locked');
    expect((await t.clerk.users.getUser(locked.id)).locked).toBe(true);

    const banned = await newUser();
    await t.clerk.users.banUser(banned.id);
    const c = browser();
    const attempt = await c.call('POST', '/client/sign_ins', { identifier: banned.email, password: PASSWORD });
    expect(attempt.status).toBe(403);
    expect(attempt.body.errors?.[0]?.code).toBe('user_banned');
    expect((await t.clerk.sessions.getSessionList({ userId: banned.id })).data).toEqual([]);
  });

  it('refuses a write from a foreign origin before it does anything, and answers allowed origins with CORS', async () => {
    const user = await newUser();
    const b = browser();
    const foreign = await b.call('POST', '/client/sign_ins', { identifier: user.email, password: PASSWORD }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.errors?.[0]?.code).toBe('origin_invalid');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(b.cookies.has('__client')).toBe(false);
    expect((await t.clerk.sessions.getSessionList({ userId: user.id })).data).toEqual([]);

    const allowed = await b.call('GET', '/environment');
    expect(allowed.headers.get('access-control-allow-origin')).toBe(new URL(t.url).origin);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
