import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type FapiBody } from '../support/fapi-client.js';
import { followUntil, OidcStandIn, type StandInAccount } from '../support/oidc-stand-in.js';
import { callbackPrefix, currentSignIn, openCallback, startSocialSignIn, throughProvider as throughSocialProvider, type OAuthSignInJSON, type OAuthSignUpJSON, type OAuthVerificationJSON } from '../support/social-flow.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Social sign-in through the Frontend API as clerk-js drives it, against a real OpenID provider on
 * loopback: the redirect out (state, PKCE, nonce), the provider's callback, the sign-in that
 * becomes a sign-up (`transfer`), linking by verified address only, and what must be refused.
 */
const CLIENT = { clientId: 'gatehouse-test', clientSecret: 'stand-in client secret 0123456789' };

let t: TestServer;
let google: OidcStandIn;
let seq = 0;

interface ExternalAccountJSON {
  id: string;
  provider: string;
  provider_user_id: string;
  email_address: string;
}

const errorCode = (body: FapiBody) => body.errors?.[0]?.code;

beforeAll(async () => {
  t = await startTestServer();
  google = await OidcStandIn.start({ ...CLIENT, redirectUri: `${t.url}/fapi/v1/oauth_callback` });
  const created = await t.request('POST', '/v1/oauth_providers', {
    body: { preset: 'google', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, issuer: google.issuer },
  });
  expect(created.status).toBe(200);
});

afterAll(async () => {
  await google?.close();
  await t?.close();
});

function person(overrides: Partial<StandInAccount> = {}): StandInAccount {
  const n = ++seq;
  return { sub: `google-subject-${n}`, email: `social${n}.${Date.now()}@gmail.test`, email_verified: true, given_name: 'Grace', family_name: `Hopper${n}`, ...overrides };
}

const throughProvider = (b: FapiBrowser, verification: OAuthVerificationJSON | null) => throughSocialProvider(b, t.url, verification);
const startSignIn = (b: FapiBrowser) => startSocialSignIn(b, t.url, 'oauth_google');

describe('social sign-in with an OpenID provider', () => {
  it('offers the provider to the components, then signs a new person up through it and in again as the same user', async () => {
    const b = new FapiBrowser(t.url);
    const env = (await b.call('GET', '/environment')).body as { user_settings: { social: Record<string, { enabled: boolean; authenticatable: boolean; strategy: string }> } };
    expect(env.user_settings.social.oauth_google).toMatchObject({ enabled: true, authenticatable: true, strategy: 'oauth_google' });

    const grace = person();
    google.signInAs(grace);
    const started = await startSignIn(b);
    const out = new URL(started.first_factor_verification!.external_verification_redirect_url!);
    expect(out.origin).toBe(google.issuer);
    expect(out.searchParams.get('code_challenge_method')).toBe('S256');
    expect(out.searchParams.get('state')).toBeTruthy();
    expect(out.searchParams.get('nonce')).toBeTruthy();
    expect(out.searchParams.get('redirect_uri')).toBe(callbackPrefix(t.url));

    const back = await throughProvider(b, started.first_factor_verification);
    expect(back.status).toBe(303);
    expect(back.location).toBe(`${t.url}/sign-in#/sso-callback`);
    const transferable = await currentSignIn(b);
    expect(transferable.first_factor_verification).toMatchObject({ status: 'transferable', error: { code: 'external_account_not_found' } });

    // clerk-js's handleRedirectCallback: the sign-in becomes a sign-up.
    const signUp = await b.call('POST', '/client/sign_ups', { transfer: 'true' });
    expect(signUp.status).toBe(200);
    const created = signUp.body.response as OAuthSignUpJSON;
    expect(created.status).toBe('complete');
    expect(created.created_session_id).toBeTruthy();
    const user = await t.clerk.users.getUser(created.created_user_id!);
    expect(user.emailAddresses[0]).toMatchObject({ emailAddress: grace.email, verification: { status: 'verified', strategy: 'from_oauth_google' } });
    expect(user.externalAccounts).toHaveLength(1);
    expect(user.externalAccounts[0]).toMatchObject({ provider: 'oauth_google', providerUserId: grace.sub, emailAddress: grace.email });
    expect(user.firstName).toBe('Grace');
    expect(user.passwordEnabled).toBe(false);

    // Another browser, the same person at the provider: straight in, as the same user.
    const again = new FapiBrowser(t.url);
    google.signInAs(grace);
    const second = await startSignIn(again);
    await throughProvider(again, second.first_factor_verification);
    const client = (await again.call('GET', '/client')).body.response as { sessions: { user: { id: string } }[]; sign_in: unknown };
    expect(client.sign_in).toBeNull();
    expect(client.sessions.map((s) => s.user.id)).toEqual([user.id]);
    expect(b.specFailures).toEqual([]);
    expect(again.specFailures).toEqual([]);
  });

  it('starts a sign-up with the provider, and continues it as a sign-in when the account is connected already', async () => {
    const ada = person({ given_name: 'Ada' });
    google.signInAs(ada);
    const first = new FapiBrowser(t.url);
    const s1 = await startSignIn(first);
    await throughProvider(first, s1.first_factor_verification);
    const made = (await first.call('POST', '/client/sign_ups', { transfer: 'true' })).body.response as OAuthSignUpJSON;
    expect(made.status).toBe('complete');

    const b = new FapiBrowser(t.url);
    google.signInAs(ada);
    const started = await b.call('POST', '/client/sign_ups', { strategy: 'oauth_google', redirect_url: `${t.url}/sign-up#/sso-callback`, action_complete_redirect_url: '/' });
    expect(started.status).toBe(200);
    const signUp = started.body.response as OAuthSignUpJSON;
    await throughProvider(b, signUp.verifications.external_account);
    const client = (await b.call('GET', '/client')).body.response as { sign_up: OAuthSignUpJSON };
    expect(client.sign_up.verifications.external_account).toMatchObject({ status: 'transferable', error: { code: 'external_account_exists' } });
    const signIn = await b.call('POST', '/client/sign_ins', { transfer: 'true' });
    expect(signIn.status).toBe(200);
    expect((signIn.body.response as OAuthSignInJSON).status).toBe('complete');
    const session = ((await b.call('GET', '/client')).body.response as { sessions: { user: { id: string } }[] }).sessions[0];
    expect(session?.user.id).toBe(made.created_user_id);
    expect(b.specFailures).toEqual([]);
  });

  it('links the provider to an existing account when both sides verified the address, and records it', async () => {
    const linus = person({ given_name: 'Linus' });
    const existing = await t.clerk.users.createUser({ emailAddress: [linus.email!], password: 'an existing account passphrase' });
    google.signInAs(linus);
    const b = new FapiBrowser(t.url);
    const started = await startSignIn(b);
    await throughProvider(b, started.first_factor_verification);
    const client = (await b.call('GET', '/client')).body.response as { sessions: { user: { id: string; external_accounts: ExternalAccountJSON[] } }[] };
    expect(client.sessions[0]?.user.id).toBe(existing.id);
    expect(client.sessions[0]?.user.external_accounts.map((a) => a.provider_user_id)).toEqual([linus.sub]);
    const audit = await t.request('GET', `/v1/audit_events?user_id=${existing.id}`);
    const types = (audit.body as { data: { type: string }[] }).data.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['user.external_account_linked', 'sign_in.completed']));
  });

  it('never hands an existing account to a provider that did not verify the address', async () => {
    const victim = person();
    const existing = await t.clerk.users.createUser({ emailAddress: [victim.email!], password: 'the victim account passphrase' });
    google.signInAs({ ...victim, sub: `attacker-${seq}`, email_verified: false });
    const b = new FapiBrowser(t.url);
    const started = await startSignIn(b);
    await throughProvider(b, started.first_factor_verification);
    expect((await currentSignIn(b)).first_factor_verification).toMatchObject({ status: 'failed', error: { code: 'external_account_email_address_verification_required' } });
    const transfer = await b.call('POST', '/client/sign_ups', { transfer: 'true' });
    expect(transfer.status).toBe(422);
    const client = (await b.call('GET', '/client')).body.response as { sessions: unknown[] };
    expect(client.sessions).toEqual([]);
    expect((await t.clerk.users.getUser(existing.id)).externalAccounts).toEqual([]);
  });

  it('refuses a callback opened in another browser, a replayed one, and a forged state', async () => {
    const mallory = new FapiBrowser(t.url);
    const victim = new FapiBrowser(t.url);
    google.signInAs(person());
    const started = await startSignIn(victim);
    const callback = await followUntil(started.first_factor_verification!.external_verification_redirect_url!, callbackPrefix(t.url));
    const elsewhere = await openCallback(mallory, callback);
    expect(elsewhere.status).toBe(400);
    expect(JSON.parse(elsewhere.body).errors[0].code).toBe('oauth_callback_invalid');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state');
    expect((await openCallback(victim, forged)).status).toBe(400);
    // The flow was not spent by the refusals: its own browser completes it, once.
    expect((await openCallback(victim, callback)).status).toBe(303);
    expect((await currentSignIn(victim)).first_factor_verification?.status).toBe('transferable');
    const replay = await openCallback(victim, callback);
    expect(replay.status).toBe(400);
  });

  it('reports a refusal at the provider on the sign-in, and creates nothing', async () => {
    google.deny();
    const b = new FapiBrowser(t.url);
    const started = await startSignIn(b);
    const back = await throughProvider(b, started.first_factor_verification);
    expect(back.status).toBe(303);
    expect((await currentSignIn(b)).first_factor_verification).toMatchObject({ status: 'failed', error: { code: 'oauth_access_denied' } });
    expect((await b.call('POST', '/client/sign_ups', { transfer: 'true' })).status).toBe(422);
  });

  it('answers a clear error when the provider is down, with no attempt left behind', async () => {
    const down = await t.request('POST', '/v1/oauth_providers', { body: { preset: 'oidc', key: 'down', client_id: 'x', issuer: 'http://127.0.0.1:9' } });
    expect(down.status).toBe(200);
    const b = new FapiBrowser(t.url);
    const reply = await b.call('POST', '/client/sign_ins', { strategy: 'oauth_custom_down', redirect_url: `${t.url}/sign-in#/sso-callback` });
    expect(reply.status).toBe(503);
    expect(errorCode(reply.body)).toBe('oauth_provider_unavailable');
    const client = await b.call('GET', '/client');
    expect((client.body.response as { sign_in: unknown } | null)?.sign_in ?? null).toBeNull();
  });

  it('refuses strategies nobody configured and redirect URLs off the allowed origins', async () => {
    const b = new FapiBrowser(t.url);
    const unknown = await b.call('POST', '/client/sign_ins', { strategy: 'oauth_github', redirect_url: `${t.url}/sign-in` });
    expect(unknown.status).toBe(422);
    const offsite = await b.call('POST', '/client/sign_ins', { strategy: 'oauth_google', redirect_url: 'https://evil.example/sso-callback' });
    expect(offsite.status).toBe(422);
    expect(offsite.body.errors?.[0]?.meta).toMatchObject({ param_name: 'redirect_url' });
  });
});
