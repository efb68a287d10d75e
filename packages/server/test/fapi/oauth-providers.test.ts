import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReplyMatchesSpec } from '../support/clerk-spec.js';
import { FapiBrowser } from '../support/fapi-client.js';
import { FakeOidcProvider, GitHubStandIn } from '../support/oauth-fakes.js';
import { followUntil } from '../support/oidc-stand-in.js';
import { callbackPrefix, currentSignIn, openCallback, startSocialSignIn, throughProvider, type OAuthSignUpJSON, type OAuthVerificationJSON } from '../support/social-flow.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { oauthProvidersCommand } from '../../src/cli/oauth-providers.js';
import { CliUsageError } from '../../src/cli/operator-command.js';

/**
 * Providers as the operator configures them, GitHub through its user API, and the attacks on the
 * code exchange a real provider would never stage: an ID token for another audience, from another
 * issuer or with another nonce, a code moved into another flow (PKCE), a user API answering `{}`.
 * Then what the app does with connected accounts: tokens (refreshed when lapsed), connect from the
 * account, disconnect.
 */
let t: TestServer;
let github: GitHubStandIn;
let fake: FakeOidcProvider;
let seq = 0;

interface ProviderJSON {
  object: string;
  strategy: string;
  client_id: string;
  client_secret_set: boolean;
  enabled: boolean;
  scopes: string[];
}

beforeAll(async () => {
  t = await startTestServer();
  github = await GitHubStandIn.start();
  fake = await FakeOidcProvider.start();
  expect((await t.request('POST', '/v1/oauth_providers', { body: { preset: 'github', client_id: 'gh-client', client_secret: 'gh-secret-value', ...github.endpoints() } })).status).toBe(200);
  expect((await t.request('POST', '/v1/oauth_providers', { body: { preset: 'oidc', key: 'fake', name: 'Fake ID', client_id: 'fake-client', client_secret: 'fake-secret-value', issuer: fake.origin } })).status).toBe(200);
});

afterAll(async () => {
  await github?.close();
  await fake?.close();
  await t?.close();
});

const errorCode = (body: unknown) => (body as { errors?: { code: string; meta?: { param_name?: string } }[] }).errors?.[0];

async function signUpWithFake(b: FapiBrowser): Promise<OAuthSignUpJSON> {
  const started = await startSocialSignIn(b, t.url, 'oauth_custom_fake');
  await throughProvider(b, t.url, started.first_factor_verification);
  const reply = await b.call('POST', '/client/sign_ups', { transfer: 'true' });
  expect(reply.status).toBe(200);
  return reply.body.response as OAuthSignUpJSON;
}

function fakePerson(): string {
  const n = ++seq;
  fake.subject = `fake-${n}-${Date.now()}`;
  fake.claims = { email: `fake${n}.${Date.now()}@fake.test`, email_verified: true, given_name: 'Fay' };
  fake.behaviour = {};
  return fake.subject;
}

describe('the operator’s providers', () => {
  it('configures a provider without ever showing its secret, and refuses what cannot work', async () => {
    const list = await t.request('GET', '/v1/oauth_providers');
    const providers = (list.body as { data: ProviderJSON[] }).data;
    expect(providers.map((p) => p.strategy)).toEqual(['oauth_custom_fake', 'oauth_github']);
    expect(providers.every((p) => p.client_secret_set)).toBe(true);
    expect(list.text).not.toContain('gh-secret-value');
    const stored = await t.server.store.db.selectFrom('oauth_providers').select('client_secret_sealed').execute();
    expect(stored.every((r) => r.client_secret_sealed !== null && !r.client_secret_sealed.includes('secret-value'))).toBe(true);

    const refusals = [
      [{ preset: 'myspace', client_id: 'x' }, 'preset'],
      [{ preset: 'oidc', client_id: 'x', issuer: 'https://id.example' }, 'key'],
      [{ preset: 'oidc', key: 'nope', client_id: 'x' }, 'issuer'],
      [{ preset: 'oidc', key: 'plain', client_id: 'x', issuer: 'http://id.example' }, 'issuer'],
      [{ preset: 'google' }, 'client_id'],
      [{ preset: 'github', client_id: 'again' }, 'preset'],
    ] as const;
    for (const [body, param] of refusals) {
      const reply = await t.request('POST', '/v1/oauth_providers', { body });
      expect(reply.status, JSON.stringify(body)).toBe(422);
      expect(errorCode(reply.body)?.meta?.param_name).toBe(param);
    }

    const off = await t.request('PATCH', '/v1/oauth_providers/oauth_github', { body: { enabled: false } });
    expect((off.body as ProviderJSON).enabled).toBe(false);
    const b = new FapiBrowser(t.url);
    const env = (await b.call('GET', '/environment')).body as { user_settings: { social: Record<string, { enabled: boolean }> } };
    expect(env.user_settings.social.oauth_github?.enabled).toBe(false);
    expect((await b.call('POST', '/client/sign_ins', { strategy: 'oauth_github', redirect_url: `${t.url}/sign-in` })).status).toBe(422);
    expect((await t.request('PATCH', '/v1/oauth_providers/oauth_github', { body: { enabled: true } })).status).toBe(200);

    const audit = await t.request('GET', '/v1/audit_events?limit=100');
    const types = (audit.body as { data: { type: string }[] }).data.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['oauth_provider.created', 'oauth_provider.updated']));
  });
});

describe('the operator’s providers, from the command line', () => {
  it('adds, lists, updates and removes a provider, the secret read from the environment and never printed', async () => {
    const lines: string[] = [];
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => oauthProvidersCommand(t.config, t.server.store, args, (line) => lines.push(line), env);
    await cli(['add', '--preset', 'gitlab', '--client-id', 'gl-client', '--client-secret-env', 'GL_SECRET', '--scopes', 'openid,email'], { GL_SECRET: 'gitlab-secret-value' });
    await cli(['list']);
    expect(lines.join('\n')).toContain('oauth_gitlab  enabled  (GitLab, preset gitlab)');
    expect(lines.join('\n')).toContain('gl-client  (secret set)');
    expect(lines.join('\n')).not.toContain('gitlab-secret-value');
    await cli(['update', 'oauth_gitlab', '--disable']);
    expect(lines.at(-1)).toMatch(/^oauth_gitlab {2}disabled/);
    expect((await t.request('GET', '/v1/oauth_providers/oauth_gitlab')).body).toMatchObject({ enabled: false, scopes: ['openid', 'email'], client_secret_set: true });
    await expect(cli(['add', '--preset', 'gitlab', '--client-id', 'x', '--client-secret-env', 'UNSET_VARIABLE'])).rejects.toBeInstanceOf(CliUsageError);
    await expect(cli(['add', '--preset', 'nope', '--client-id', 'x'])).rejects.toThrow(/preset/);
    await cli(['remove', 'oauth_gitlab']);
    expect((await t.request('GET', '/v1/oauth_providers/oauth_gitlab')).status).toBe(404);
    const audit = await t.request('GET', '/v1/audit_events?type=oauth_provider.deleted');
    expect((audit.body as { data: { actor: { type: string; detail: string | null } }[] }).data[0]?.actor).toMatchObject({ type: 'system', detail: expect.stringMatching(/^cli:/) });
  });
});

describe('GitHub, read through its user API', () => {
  it('signs a person up with their primary verified address and their GitHub names', async () => {
    const n = ++seq;
    github.user = { id: 9000 + n, login: `octo${n}`, name: 'Mona Lisa Octocat', avatar_url: 'https://avatars.example/octo.png' };
    github.emails = [
      { email: `old${n}@github.test`, primary: false, verified: true },
      { email: `mona${n}@github.test`, primary: true, verified: true },
    ];
    const b = new FapiBrowser(t.url);
    const started = await startSocialSignIn(b, t.url, 'oauth_github');
    expect(new URL(started.first_factor_verification!.external_verification_redirect_url!).searchParams.get('scope')).toBe('read:user user:email');
    await throughProvider(b, t.url, started.first_factor_verification);
    const signUp = (await b.call('POST', '/client/sign_ups', { transfer: 'true' })).body.response as OAuthSignUpJSON;
    expect(signUp.status).toBe('complete');
    const user = await t.clerk.users.getUser(signUp.created_user_id!);
    expect(user.emailAddresses.map((e) => e.emailAddress)).toEqual([`mona${n}@github.test`]);
    expect(user.externalAccounts[0]).toMatchObject({ provider: 'oauth_github', providerUserId: String(9000 + n), approvedScopes: 'read:user user:email' });
    expect([user.firstName, user.lastName]).toEqual(['Mona', 'Lisa Octocat']);
    expect(github.tokenRequests.at(-1)).toEqual({ pkce: true });
  });

  it('creates and links nothing when the user API answers {}', async () => {
    github.user = {};
    github.emails = [];
    const b = new FapiBrowser(t.url);
    const started = await startSocialSignIn(b, t.url, 'oauth_github');
    const back = await throughProvider(b, t.url, started.first_factor_verification);
    expect(back.status).toBe(303);
    expect((await currentSignIn(b)).first_factor_verification).toMatchObject({ status: 'failed', error: { code: 'oauth_fetch_user_error' } });
    expect((await b.call('POST', '/client/sign_ups', { transfer: 'true' })).status).toBe(422);
    expect(await t.server.store.db.selectFrom('external_accounts').select('id').where('provider_user_id', '=', 'undefined').execute()).toEqual([]);
  });
});

describe('the code exchange, attacked', () => {
  const attacks: [string, () => void][] = [
    ['an ID token for another audience', () => (fake.behaviour = { idToken: { aud: 'another-client' } })],
    ['an ID token from another issuer', () => (fake.behaviour = { idToken: { iss: 'http://127.0.0.1:1' } })],
    ['an ID token with another nonce', () => (fake.behaviour = { idToken: { nonce: 'not-the-nonce' } })],
    ['userinfo for another subject', () => (fake.behaviour = { userinfo: { sub: 'someone-else' } })],
  ];
  it.each(attacks)('refuses %s, and nobody is created', async (_name, misbehave) => {
    const subject = fakePerson();
    misbehave();
    const b = new FapiBrowser(t.url);
    const started = await startSocialSignIn(b, t.url, 'oauth_custom_fake');
    await throughProvider(b, t.url, started.first_factor_verification);
    const verification = (await currentSignIn(b)).first_factor_verification;
    expect(verification?.status).toBe('failed');
    expect(['oauth_token_exchange_error', 'oauth_fetch_user_error']).toContain(verification?.error?.code);
    expect((await b.call('POST', '/client/sign_ups', { transfer: 'true' })).status).toBe(422);
    expect(await t.server.store.db.selectFrom('external_accounts').select('id').where('provider_user_id', '=', subject).execute()).toEqual([]);
  });

  it('refuses a code moved into another flow: its PKCE verifier does not match', async () => {
    fakePerson();
    const b = new FapiBrowser(t.url);
    const first = await startSocialSignIn(b, t.url, 'oauth_custom_fake');
    const stolen = await followUntil(first.first_factor_verification!.external_verification_redirect_url!, callbackPrefix(t.url));
    const second = await startSocialSignIn(b, t.url, 'oauth_custom_fake');
    const own = await followUntil(second.first_factor_verification!.external_verification_redirect_url!, callbackPrefix(t.url));
    const injected = new URL(own);
    injected.searchParams.set('code', stolen.searchParams.get('code')!);
    expect((await openCallback(b, injected)).status).toBe(303);
    expect(fake.tokenRequests.at(-1)).toEqual({ pkce: false });
    expect((await currentSignIn(b)).first_factor_verification).toMatchObject({ status: 'failed', error: { code: 'oauth_token_exchange_error' } });
  });
});

describe('signing in through a provider, for accounts with more to check', () => {
  it('asks someone with two-step verification for their second factor after the provider', async () => {
    fakePerson();
    const email = String(fake.claims.email);
    await t.request('POST', '/v1/users', { body: { email_address: [email], password: 'a two-step account passphrase', totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', backup_codes: ['oauth-backup-1'] } });
    const b = new FapiBrowser(t.url);
    const started = await startSocialSignIn(b, t.url, 'oauth_custom_fake');
    await throughProvider(b, t.url, started.first_factor_verification);
    const waiting = await currentSignIn(b);
    expect(waiting.status).toBe('needs_second_factor');
    expect(((await b.call('GET', '/client')).body.response as { sessions: unknown[] }).sessions).toEqual([]);
    const done = await b.call('POST', `/client/sign_ins/${waiting.id}/attempt_second_factor`, { strategy: 'backup_code', code: 'oauth-backup-1' });
    expect((done.body.response as { status: string }).status).toBe('complete');
    expect(b.specFailures).toEqual([]);
  });

  it('refuses a locked account, saying so on the sign-in', async () => {
    fakePerson();
    const user = await t.clerk.users.createUser({ emailAddress: [String(fake.claims.email)], password: 'a soon locked passphrase' });
    expect((await t.request('POST', `/v1/users/${user.id}/lock`)).status).toBe(200);
    const b = new FapiBrowser(t.url);
    const started = await startSocialSignIn(b, t.url, 'oauth_custom_fake');
    await throughProvider(b, t.url, started.first_factor_verification);
    expect((await currentSignIn(b)).first_factor_verification).toMatchObject({ status: 'failed', error: { code: 'user_locked' } });
    expect(((await b.call('GET', '/client')).body.response as { sessions: unknown[] }).sessions).toEqual([]);
    expect((await t.clerk.users.getUser(user.id)).externalAccounts).toEqual([]);
  });

  it('turns a provider’s form post (Apple’s form_post) into a navigation that carries the browser’s cookies', async () => {
    const posted = await fetch(`${t.url}/fapi/v1/oauth_callback`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://appleid.apple.com' },
      body: new URLSearchParams({ code: 'the-code', state: 'the-state', user: '{"name":{"firstName":"Ann"}}' }).toString(),
    });
    expect(posted.status).toBe(303);
    const next = new URL(posted.headers.get('location')!, t.url);
    expect(next.pathname).toBe('/fapi/v1/oauth_callback');
    expect(Object.fromEntries(next.searchParams)).toMatchObject({ code: 'the-code', state: 'the-state' });
  });
});

describe('connected accounts', () => {
  it('asks the provider again for more scopes, refreshing the same account', async () => {
    fakePerson();
    const b = new FapiBrowser(t.url);
    const signUp = await signUpWithFake(b);
    const user = await t.request('GET', `/v1/users/${signUp.created_user_id}`);
    expectReplyMatchesSpec('GET', '/users/{user_id}', user.status, user.body);
    const account = (user.body as { external_accounts: { id: string; updated_at: number }[] }).external_accounts[0]!;
    const again = await b.call('PATCH', `/me/external_accounts/${account.id}/reauthorize`, { redirect_url: `${t.url}/user`, additional_scope: ['calendar.read'] });
    expect(again.status).toBe(200);
    const verification = (again.body.response as { verification: OAuthVerificationJSON }).verification;
    expect(new URL(verification.external_verification_redirect_url!).searchParams.get('scope')?.split(' ')).toContain('calendar.read');
    await throughProvider(b, t.url, verification);
    const after = (await t.clerk.users.getUser(signUp.created_user_id!)).externalAccounts;
    expect(after.map((a) => a.id)).toEqual([account.id]);
    expect(b.specFailures).toEqual([]);
  });

  it('hands the app the provider token, refreshed once it has lapsed', async () => {
    fakePerson();
    fake.behaviour = { expiresIn: 30 };
    const b = new FapiBrowser(t.url);
    const signUp = await signUpWithFake(b);
    const first = await t.request('GET', `/v1/users/${signUp.created_user_id}/oauth_access_tokens/oauth_custom_fake`);
    expect(first.status).toBe(200);
    const [token] = first.body as { token: string; provider: string; external_account_id: string }[];
    expect(token).toMatchObject({ provider: 'oauth_custom_fake' });
    expect(fake.refreshed.length).toBeGreaterThan(0);
    const sealed = await t.server.store.db.selectFrom('external_accounts').select('tokens_sealed').where('id', '=', token!.external_account_id).executeTakeFirstOrThrow();
    expect(sealed.tokens_sealed).not.toContain(token!.token);
  });

  it('connects a provider from the account page, refuses one connected to someone else, and disconnects', async () => {
    fakePerson();
    const owner = new FapiBrowser(t.url);
    const ownerSignUp = await signUpWithFake(owner);
    const takenSubject = fake.subject;

    const email = `connect${++seq}.${Date.now()}@example.test`;
    await t.clerk.users.createUser({ emailAddress: [email], password: 'a connecting person passphrase' });
    const b = new FapiBrowser(t.url);
    expect((await b.call('POST', '/client/sign_ins', { identifier: email, password: 'a connecting person passphrase', strategy: 'password' })).status).toBe(200);

    // Someone else's provider account: refused, and left with its owner.
    const taken = await b.call('POST', '/me/external_accounts', { strategy: 'oauth_custom_fake', redirect_url: `${t.url}/user` });
    expect(taken.status).toBe(200);
    const pending = taken.body.response as { verification: OAuthVerificationJSON };
    const back = await throughProvider(b, t.url, pending.verification);
    expect(back.location).toBe(`${t.url}/user`);
    const me = () => b.call('GET', '/me').then((r) => r.body.response as { id: string; external_accounts: { id: string; provider_user_id: string }[] });
    expect((await me()).external_accounts).toEqual([]);
    expect((await t.clerk.users.getUser(ownerSignUp.created_user_id!)).externalAccounts.map((a) => a.providerUserId)).toEqual([takenSubject]);

    const mine = fakePerson();
    const connect = (await b.call("POST", "/me/external_accounts", { strategy: "oauth_custom_fake", redirect_url: `${t.url}/user` })).body.response as { verification: OAuthVerificationJSON };
    await throughProvider(b, t.url, connect.verification);
    const accounts = (await me()).external_accounts;
    expect(accounts.map((a) => a.provider_user_id)).toEqual([mine]);

    const removed = await b.call('DELETE', `/me/external_accounts/${accounts[0]!.id}`);
    expect(removed.status).toBe(200);
    expect((await me()).external_accounts).toEqual([]);
    const audit = await t.request('GET', `/v1/audit_events?user_id=${(await me()).id}`);
    const types = (audit.body as { data: { type: string }[] }).data.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['user.external_account_linked', 'user.external_account_unlinked']));
    expect(b.specFailures).toEqual([]);
  });

  it('keeps the last way in: where emailed codes do not sign anyone in, a provider-only account keeps its provider', async () => {
    fakePerson();
    const b = new FapiBrowser(t.url);
    await signUpWithFake(b);
    const email = { enabled: true, required: true, used_for_first_factor: true, verifications: ['email_code'], verify_at_sign_up: true };
    const account = ((await b.call('GET', '/me')).body.response as { external_accounts: { id: string }[] }).external_accounts[0]!;
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: { ...email, first_factors: [] } } })).status).toBe(200);
    try {
      const refused = await b.call('DELETE', `/me/external_accounts/${account.id}`);
      expect(refused.status).toBe(403);
      expect(errorCode(refused.body)?.code).toBe('not_allowed_access');
    } finally {
      expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: { ...email, first_factors: ['email_code'] } } })).status).toBe(200);
    }
    expect((await b.call('DELETE', `/me/external_accounts/${account.id}`)).status).toBe(200);
  });

  it('asks for what the provider did not give, then completes the sign-up with the account connected', async () => {
    const subject = fakePerson();
    const username = { enabled: true, required: true, used_for_first_factor: false };
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { username } })).status).toBe(200);
    try {
      const b = new FapiBrowser(t.url);
      const signUp = await signUpWithFake(b);
      expect(signUp).toMatchObject({ status: 'missing_requirements', missing_fields: ['username'] });
      const done = await b.call('PATCH', `/client/sign_ups/${signUp.id}`, { username: `fay_${seq}` });
      const completed = done.body.response as OAuthSignUpJSON;
      expect(completed.status).toBe('complete');
      const user = await t.clerk.users.getUser(completed.created_user_id!);
      expect([user.username, user.externalAccounts.map((a) => a.providerUserId)]).toEqual([`fay_${seq}`, [subject]]);
      expect(b.specFailures).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { username: { ...username, enabled: false, required: false } } });
    }
  });

  it('disconnects an account from the Backend API', async () => {
    fakePerson();
    const signUp = await signUpWithFake(new FapiBrowser(t.url));
    const user = await t.clerk.users.getUser(signUp.created_user_id!);
    const reply = await t.request('DELETE', `/v1/users/${user.id}/external_accounts/${user.externalAccounts[0]!.id}`);
    expect(reply.status).toBe(200);
    expect((await t.clerk.users.getUser(user.id)).externalAccounts).toEqual([]);
    expect((await t.request('DELETE', `/v1/users/${user.id}/external_accounts/${user.externalAccounts[0]!.id}`)).status).toBe(404);
  });
});
