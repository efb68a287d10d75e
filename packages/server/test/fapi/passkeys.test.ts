import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReplyMatchesSpec } from '../support/clerk-spec.js';
import { FapiBrowser, type ClientJSON, type SignInJSON } from '../support/fapi-client.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Passkeys through the Frontend API as clerk-js drives them, answered by an authenticator in
 * software so each check can be attacked: registration from the account, a sign-in by passkey
 * alone (discoverable, no identifier), and what must be refused — another origin, another relying
 * party, a reused challenge, another account's credential, a counter that went back, another
 * client's sign-in.
 */
const PASSWORD = 'a passkey owner passphrase 12';

let t: TestServer;
let seq = 0;

beforeAll(async () => {
  t = await startTestServer();
  const on = await t.request('PATCH', '/v1/instance/user_settings', { body: { passkey: { enabled: true, allow_autofill: true, show_sign_in_button: true } } });
  expect(on.status).toBe(200);
});

afterAll(async () => {
  await t?.close();
});

interface PasskeyJSON {
  object: string;
  id: string;
  name: string;
  last_used_at: number | null;
  verification: { status: string; strategy: string; nonce?: string } | null;
}

type PasskeySignInJSON = SignInJSON & { first_factor_verification: (SignInJSON['first_factor_verification'] & { nonce?: string }) | null };

const errorCode = (reply: { body: { errors?: { code: string }[] } }) => reply.body.errors?.[0]?.code;

async function signedInUser(): Promise<{ id: string; email: string; b: FapiBrowser }> {
  const email = `passkey${++seq}.${Date.now()}@passkeys.test`;
  const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD, firstName: 'Ada' });
  const b = new FapiBrowser(t.url);
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect((reply.body.response as SignInJSON).status).toBe('complete');
  return { id: user.id, email, b };
}

/** A user with a registered passkey on a software authenticator. */
async function withPasskey(): Promise<{ id: string; email: string; b: FapiBrowser; authenticator: SoftAuthenticator; passkey: PasskeyJSON }> {
  const { id, email, b } = await signedInUser();
  const authenticator = new SoftAuthenticator(new URL(t.url).origin);
  const started = (await b.call('POST', '/me/passkeys')).body.response as PasskeyJSON;
  const done = await b.call('POST', `/me/passkeys/${started.id}/attempt_verification`, { strategy: 'passkey', public_key_credential: authenticator.register(started.verification!.nonce!) });
  expect(done.status).toBe(200);
  return { id, email, b, authenticator, passkey: done.body.response as PasskeyJSON };
}

async function startPasskeySignIn(b: FapiBrowser): Promise<PasskeySignInJSON> {
  const reply = await b.call('POST', '/client/sign_ins', { strategy: 'passkey' });
  expect(reply.status).toBe(200);
  return reply.body.response as PasskeySignInJSON;
}

describe('registering a passkey', () => {
  it('hands out creation options for a discoverable, user-verified credential and registers the answer', async () => {
    const { id, b } = await signedInUser();
    const started = await b.call('POST', '/me/passkeys', undefined, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' } });
    expect(started.status).toBe(200);
    const pending = started.body.response as PasskeyJSON;
    expect(pending).toMatchObject({ object: 'passkey', name: 'Chrome on Linux', verification: { status: 'unverified', strategy: 'passkey' } });
    const options = JSON.parse(pending.verification!.nonce!) as { rp: { id: string; name: string }; user: { id: string; name: string }; challenge: string; authenticatorSelection: Record<string, string>; attestation: string };
    expect(options.rp).toEqual({ id: '127.0.0.1', name: 'Gatehouse' });
    expect(Buffer.from(options.user.id, 'base64url').toString()).toBe(id);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.attestation).toBe('none');
    expect(Buffer.from(options.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);
    // Only a hash of the challenge is kept.
    const stored = await t.server.store.db.selectFrom('passkeys').selectAll().where('id', '=', pending.id).executeTakeFirstOrThrow();
    expect(stored.challenge_hash).not.toContain(options.challenge);

    const authenticator = new SoftAuthenticator(new URL(t.url).origin);
    const answer = authenticator.register(pending.verification!.nonce!);
    const done = await b.call('POST', `/me/passkeys/${pending.id}/attempt_verification`, { strategy: 'passkey', public_key_credential: answer });
    expect(done.status).toBe(200);
    expect(done.body.response).toMatchObject({ id: pending.id, verification: { status: 'verified' } });
    expect((done.body.response as PasskeyJSON).verification).not.toHaveProperty('nonce');
    // The same answer again registers nothing more.
    const again = await b.call('POST', `/me/passkeys/${pending.id}/attempt_verification`, { strategy: 'passkey', public_key_credential: answer });
    expect([again.status, errorCode(again)]).toEqual([400, 'verification_already_verified']);

    const user = await t.request('GET', `/v1/users/${id}`);
    expectReplyMatchesSpec('GET', '/users/{user_id}', user.status, user.body);
    expect((user.body as { passkeys: PasskeyJSON[] }).passkeys).toEqual([expect.objectContaining({ id: pending.id, name: 'Chrome on Linux' })]);
    const me = (await b.call('GET', '/me')).body.response as { passkeys: PasskeyJSON[] };
    expect(me.passkeys.map((p) => [p.id, p.verification?.status, p.verification?.nonce])).toEqual([[pending.id, 'verified', undefined]]);

    const renamed = await b.call('PATCH', `/me/passkeys/${pending.id}`, { name: 'Work laptop' });
    expect(renamed.body.response).toMatchObject({ name: 'Work laptop' });
    const events = await t.server.store.db.selectFrom('events').select('type').where('subject_user_id', '=', id).execute();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['user.passkey_registered', 'user.updated']));
    expect(b.specFailures).toEqual([]);
  });

  it('refuses an answer from another origin or for another relying party, and a credential another account holds', async () => {
    const { b } = await signedInUser();
    const authenticator = new SoftAuthenticator(new URL(t.url).origin);
    for (const tamper of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { challenge: Buffer.from('another challenge of 32 bytes!!!').toString('base64url') }]) {
      const started = (await b.call('POST', '/me/passkeys')).body.response as PasskeyJSON;
      const refused = await b.call('POST', `/me/passkeys/${started.id}/attempt_verification`, { strategy: 'passkey', public_key_credential: authenticator.register(started.verification!.nonce!, tamper) });
      expect([JSON.stringify(tamper), refused.status, errorCode(refused)]).toEqual([JSON.stringify(tamper), 422, 'passkey_invalid']);
      // A prompt that failed: clerk-js deletes the pending passkey.
      expect((await b.call('DELETE', `/me/passkeys/${started.id}`)).status).toBe(200);
    }
    const { authenticator: theirs } = await withPasskey();
    const { b: mine } = await signedInUser();
    const started = (await mine.call('POST', '/me/passkeys')).body.response as PasskeyJSON;
    const taken = await mine.call('POST', `/me/passkeys/${started.id}/attempt_verification`, { strategy: 'passkey', public_key_credential: theirs.register(started.verification!.nonce!) });
    expect([taken.status, errorCode(taken)]).toEqual([422, 'passkey_already_registered']);
    expect(b.specFailures).toEqual([]);
  });
});

describe('signing in with a passkey', () => {
  it('signs in with the passkey alone, as both factors, and records its use', async () => {
    const { id, authenticator, passkey } = await withPasskey();
    // Two-step verification does not ask more of a passkey.
    await t.request('PATCH', `/v1/users/${id}`, { body: { totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' } });
    const b = new FapiBrowser(t.url);
    const started = await startPasskeySignIn(b);
    expect(started).toMatchObject({ status: 'needs_first_factor', identifier: null, first_factor_verification: { strategy: 'passkey', status: 'unverified' } });
    const options = JSON.parse(started.first_factor_verification!.nonce!) as { rpId: string; allowCredentials: unknown[]; userVerification: string };
    expect(options).toMatchObject({ rpId: '127.0.0.1', allowCredentials: [], userVerification: 'required' });

    const done = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'passkey', public_key_credential: authenticator.assert(started.first_factor_verification!.nonce!) });
    expect(done.status).toBe(200);
    const signIn = done.body.response as SignInJSON;
    expect(signIn).toMatchObject({ status: 'complete', first_factor_verification: { strategy: 'passkey', status: 'verified' } });
    const session = (done.body.client as ClientJSON).sessions.find((s) => s.id === signIn.created_session_id);
    expect(session?.user.id).toBe(id);
    // Both factors fresh: a step-up that asks for the second factor is satisfied by the passkey.
    expect(decodeJwt(session!.last_active_token!.jwt)['fva']).toEqual([0, 0]);
    const stored = await t.server.store.db.selectFrom('passkeys').select(['sign_count', 'last_used_at']).where('id', '=', passkey.id).executeTakeFirstOrThrow();
    expect(Number(stored.sign_count)).toBe(1);
    expect(stored.last_used_at).toBeGreaterThan(0);
    expect(b.specFailures).toEqual([]);
  });

  it('refuses a reused challenge, another origin, another account’s user handle, a counter that went back and another client’s sign-in', async () => {
    const { authenticator } = await withPasskey();
    const b = new FapiBrowser(t.url);
    const first = await startPasskeySignIn(b);
    const answer = authenticator.assert(first.first_factor_verification!.nonce!);
    expect(((await b.call('POST', `/client/sign_ins/${first.id}/attempt_first_factor`, { strategy: 'passkey', public_key_credential: answer })).body.response as SignInJSON).status).toBe('complete');
    // The same answer to the same, now used, challenge starts nothing more.
    const sessionsBefore = ((await b.call('GET', '/client')).body.response as ClientJSON).sessions.length;
    const replayed = await b.call('POST', `/client/sign_ins/${first.id}/attempt_first_factor`, { strategy: 'passkey', public_key_credential: answer });
    expect([replayed.status, errorCode(replayed)]).toEqual([400, 'sign_in_step_invalid']);
    expect(((await b.call('GET', '/client')).body.response as ClientJSON).sessions).toHaveLength(sessionsBefore);

    const other = new FapiBrowser(t.url);
    const second = await startPasskeySignIn(other);
    const attempt = (credential: string) => other.call('POST', `/client/sign_ins/${second.id}/attempt_first_factor`, { strategy: 'passkey', public_key_credential: credential });
    // The first sign-in's answer, replayed on a new challenge.
    expect(errorCode(await attempt(answer))).toBe('passkey_invalid');
    const nonce = second.first_factor_verification!.nonce!;
    expect(errorCode(await attempt(authenticator.assert(nonce, { origin: 'https://evil.example' })))).toBe('passkey_invalid');
    expect(errorCode(await attempt(authenticator.assert(nonce, { rpId: 'evil.example' })))).toBe('passkey_invalid');
    expect(errorCode(await attempt(authenticator.assert(nonce, { userHandle: new TextEncoder().encode('user_someone_else') })))).toBe('passkey_invalid');
    // A clone of the authenticator, with a counter behind the one last seen.
    expect(errorCode(await attempt(authenticator.assert(nonce, { counter: 1 })))).toBe('passkey_invalid');
    // Someone else's browser cannot answer this sign-in.
    const stranger = new FapiBrowser(t.url);
    await stranger.call('GET', '/client');
    const foreign = await stranger.call('POST', `/client/sign_ins/${second.id}/attempt_first_factor`, { strategy: 'passkey', public_key_credential: authenticator.assert(nonce) });
    expect([foreign.status, errorCode(foreign)]).toEqual([404, 'resource_not_found']);
    expect((await other.call('GET', `/client/sign_ins/${second.id}`)).body.response).toMatchObject({ status: 'needs_first_factor', created_session_id: null });
    // An unknown credential names nobody.
    const unknown = new SoftAuthenticator(new URL(t.url).origin);
    expect(errorCode(await attempt(unknown.assert(nonce)))).toBe('passkey_invalid');
    // And the genuine answer still works.
    const ok = await attempt(authenticator.assert(nonce));
    expect((ok.body.response as SignInJSON).status).toBe('complete');
  });

  it('stops working once deleted from the account or through the Backend API', async () => {
    const { id, b, authenticator, passkey } = await withPasskey();
    expect((await b.call('DELETE', `/me/passkeys/${passkey.id}`)).body.response).toMatchObject({ object: 'passkey', id: passkey.id, deleted: true });
    const browser = new FapiBrowser(t.url);
    const signIn = await startPasskeySignIn(browser);
    const refused = await browser.call('POST', `/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'passkey', public_key_credential: authenticator.assert(signIn.first_factor_verification!.nonce!) });
    expect(errorCode(refused)).toBe('passkey_invalid');

    const second = await withPasskey();
    const deleted = await t.request('DELETE', `/v1/users/${second.id}/passkeys/${second.passkey.id}`);
    expectReplyMatchesSpec('DELETE', '/users/{user_id}/passkeys/{passkey_identification_id}', deleted.status, deleted.body);
    expect(deleted.body).toMatchObject({ object: 'passkey', id: second.passkey.id, deleted: true });
    expect(((await t.request('GET', `/v1/users/${second.id}`)).body as { passkeys: unknown[] }).passkeys).toEqual([]);
    expect((await t.request('DELETE', `/v1/users/${id}/passkeys/${second.passkey.id}`)).status).toBe(404);
    // Each removal is the user's event, for webhooks and the audit log.
    for (const userId of [id, second.id]) {
      const events = await t.server.store.db.selectFrom('events').select('type').where('subject_user_id', '=', userId).execute();
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['user.passkey_registered', 'user.passkey_removed']));
    }
  });

  it('tells <SignIn/> whether to offer passkeys in the browser\'s autofill (conditional UI) and as a button', async () => {
    const b = new FapiBrowser(t.url);
    const settingsOf = async () => ((await b.call('GET', '/environment')).body['user_settings'] as { passkey_settings: unknown }).passkey_settings;
    expect(await settingsOf()).toMatchObject({ allow_autofill: true, show_sign_in_button: true });
    await t.request('PATCH', '/v1/instance/user_settings', { body: { passkey: { enabled: true, allow_autofill: false, show_sign_in_button: true } } });
    try {
      expect(await settingsOf()).toMatchObject({ allow_autofill: false, show_sign_in_button: true });
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { passkey: { enabled: true, allow_autofill: true, show_sign_in_button: true } } });
    }
    expect(b.specFailures).toEqual([]);
  });
});
