import * as oidc from 'openid-client';
import type { ResolvedProvider } from './providers.js';

/**
 * The OAuth 2.0 / OpenID Connect client side of a social sign-in, on `openid-client`: the
 * authorization URL (PKCE S256, `state`, and `nonce` for OpenID providers), then the code
 * exchange — where the library checks the state, the issuer, the audience, the nonce and the ID
 * token's signature — and the person the provider names.
 */

/** What a provider said of the person, normalized across providers. */
export interface ProviderProfile {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  imageUrl: string;
  username: string | null;
  approvedScopes: string;
  tokens: { accessToken: string; refreshToken: string | null; expiresAt: number | null };
}

/** Why a flow could not get the person from the provider; the codes are Clerk's. */
export class ProviderError extends Error {
  constructor(
    readonly code: 'oauth_token_exchange_error' | 'oauth_fetch_user_error',
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_SECONDS = 10;
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const configurations = new Map<string, { at: number; version: string; config: Promise<oidc.Configuration> }>();

function isLoopbackHttp(url: string | null | undefined): boolean {
  if (!url) return false;
  const u = new URL(url);
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

/** The provider's configuration, discovered once an hour for each version of its settings. */
function configurationFor(provider: ResolvedProvider, now: number): Promise<oidc.Configuration> {
  const key = provider.strategy;
  const version = JSON.stringify([provider.updatedAt, provider.clientId, provider.issuer, provider.authorizationEndpoint, provider.tokenEndpoint, provider.userinfoEndpoint]);
  const cached = configurations.get(key);
  if (cached && cached.version === version && now - cached.at < DISCOVERY_TTL_MS) return cached.config;
  const config = buildConfiguration(provider);
  configurations.set(key, { at: now, version, config });
  // A failed discovery is not remembered: the next sign-in tries again.
  config.catch(() => {
    if (configurations.get(key)?.config === config) configurations.delete(key);
  });
  return config;
}

async function buildConfiguration(provider: ResolvedProvider): Promise<oidc.Configuration> {
  const d = provider.definition;
  const issuer = provider.issuer ?? d.issuer;
  const overrides = {
    ...((provider.authorizationEndpoint ?? d.authorizationEndpoint) ? { authorization_endpoint: provider.authorizationEndpoint ?? d.authorizationEndpoint } : {}),
    ...((provider.tokenEndpoint ?? d.tokenEndpoint) ? { token_endpoint: provider.tokenEndpoint ?? d.tokenEndpoint } : {}),
    ...((provider.userinfoEndpoint ?? d.userinfoEndpoint) ? { userinfo_endpoint: provider.userinfoEndpoint ?? d.userinfoEndpoint } : {}),
  };
  const insecure = [issuer, overrides.authorization_endpoint, overrides.token_endpoint, overrides.userinfo_endpoint].some(isLoopbackHttp);
  const auth = provider.clientSecret ? oidc.ClientSecretPost(provider.clientSecret) : oidc.None();
  let config: oidc.Configuration;
  if (d.reader === 'oidc') {
    if (!issuer) throw new Error(`${provider.strategy} has no issuer`);
    const discovered = await oidc.discovery(new URL(issuer), provider.clientId, undefined, auth, {
      timeout: TIMEOUT_SECONDS,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    config = Object.keys(overrides).length === 0 ? discovered : new oidc.Configuration({ ...(JSON.parse(JSON.stringify(discovered.serverMetadata())) as oidc.ServerMetadata), ...overrides }, provider.clientId, undefined, auth);
  } else {
    const authorization = overrides.authorization_endpoint;
    if (!authorization) throw new Error(`${provider.strategy} has no authorization endpoint`);
    config = new oidc.Configuration({ issuer: new URL(authorization).origin, ...overrides }, provider.clientId, undefined, auth);
  }
  if (insecure) oidc.allowInsecureRequests(config);
  config.timeout = TIMEOUT_SECONDS;
  return config;
}

/** What a flow keeps to finish: never sent anywhere but back to the provider's token endpoint. */
export interface AuthorizationSecrets {
  state: string;
  codeVerifier: string;
  nonce: string;
}

/** The provider's authorization URL for one flow; throws when the provider cannot be reached (discovery). */
export async function authorizationUrl(provider: ResolvedProvider, redirectUri: string, scopes: readonly string[], now: number): Promise<{ url: URL; secrets: AuthorizationSecrets }> {
  const config = await configurationFor(provider, now);
  const secrets = { state: oidc.randomState(), codeVerifier: oidc.randomPKCECodeVerifier(), nonce: oidc.randomNonce() };
  const parameters: Record<string, string> = {
    redirect_uri: redirectUri,
    scope: scopes.join(' '),
    state: secrets.state,
    code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
    code_challenge_method: 'S256',
  };
  if (provider.definition.reader === 'oidc') parameters.nonce = secrets.nonce;
  if (provider.definition.formPost) parameters.response_mode = 'form_post';
  return { url: oidc.buildAuthorizationUrl(config, parameters), secrets };
}

/**
 * Exchanges the callback's code and reads the person. `callback` holds every parameter the
 * provider sent back (the library checks `state` and, where the provider sends it, `iss`).
 */
export async function exchangeCode(provider: ResolvedProvider, redirectUri: string, callback: URLSearchParams, secrets: AuthorizationSecrets, now: number): Promise<ProviderProfile> {
  const config = await configurationFor(provider, now).catch((error: unknown) => {
    throw new ProviderError('oauth_token_exchange_error', `The provider could not be reached: ${describe(error)}`);
  });
  const currentUrl = new URL(redirectUri);
  for (const [k, v] of callback) currentUrl.searchParams.append(k, v);
  const isOidc = provider.definition.reader === 'oidc';
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: secrets.codeVerifier,
      expectedState: secrets.state,
      ...(isOidc ? { expectedNonce: secrets.nonce, idTokenExpected: true } : {}),
    });
  } catch (error) {
    throw new ProviderError('oauth_token_exchange_error', `The provider's answer was refused: ${describe(error)}`);
  }
  const base = {
    // GitHub lists granted scopes with commas.
    approvedScopes: (tokens.scope ?? provider.scopes.join(' ')).split(/[\s,]+/).filter(Boolean).join(' '),
    tokens: { accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? null, expiresAt: tokens.expires_in ? now + tokens.expires_in * 1000 : null },
  };
  try {
    switch (provider.definition.reader) {
      case 'oidc':
        return { ...base, ...(await oidcPerson(config, tokens)) };
      case 'github':
        return { ...base, ...(await githubPerson(config, tokens.access_token)) };
      case 'discord':
        return { ...base, ...(await discordPerson(config, tokens.access_token)) };
    }
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderError('oauth_fetch_user_error', `The provider did not say who signed in: ${describe(error)}`);
  }
}

type Person = Omit<ProviderProfile, 'approvedScopes' | 'tokens'>;

function describe(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : null;
}

function noSubject(): ProviderError {
  return new ProviderError('oauth_fetch_user_error', 'The provider named no account.');
}

function splitName(full: string | null): { firstName: string; lastName: string } {
  if (!full) return { firstName: '', lastName: '' };
  const at = full.trim().indexOf(' ');
  return at < 0 ? { firstName: full.trim(), lastName: '' } : { firstName: full.trim().slice(0, at), lastName: full.trim().slice(at + 1).trim() };
}

async function oidcPerson(config: oidc.Configuration, tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>): Promise<Person> {
  const claims = tokens.claims();
  const subject = str(claims?.sub);
  if (!claims || !subject) throw noSubject();
  // The ID token may carry only the subject; the userinfo endpoint, checked against it, fills in the rest.
  const info: Record<string, unknown> = config.serverMetadata().userinfo_endpoint ? { ...(await oidc.fetchUserInfo(config, tokens.access_token, subject)), ...claims } : { ...claims };
  const named = splitName(str(info.name));
  return {
    subject,
    email: str(info.email)?.toLowerCase() ?? null,
    // Only an explicit yes counts (Apple sends it as a string).
    emailVerified: info.email_verified === true || info.email_verified === 'true',
    firstName: str(info.given_name) ?? named.firstName,
    lastName: str(info.family_name) ?? named.lastName,
    imageUrl: str(info.picture) ?? '',
    username: str(info.preferred_username) ?? str(info.nickname),
  };
}

async function getJson(config: oidc.Configuration, accessToken: string, url: URL): Promise<unknown> {
  const headers = new Headers({ accept: 'application/json', 'user-agent': 'Gatehouse' });
  const response = await oidc.fetchProtectedResource(config, accessToken, url, 'GET', undefined, headers);
  if (!response.ok) throw new ProviderError('oauth_fetch_user_error', `The provider's user API answered ${response.status}.`);
  return response.json();
}

function userinfoUrl(config: oidc.Configuration): URL {
  const endpoint = config.serverMetadata().userinfo_endpoint;
  if (!endpoint) throw new ProviderError('oauth_fetch_user_error', 'The provider has no user API configured.');
  return new URL(endpoint);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** GitHub: `/user`, and `/user/emails` for the primary address and whether GitHub verified it. */
async function githubPerson(config: oidc.Configuration, accessToken: string): Promise<Person> {
  const endpoint = userinfoUrl(config);
  const user = record(await getJson(config, accessToken, endpoint));
  const id = typeof user.id === 'number' || typeof user.id === 'string' ? String(user.id) : null;
  if (!id) throw noSubject();
  const emailsUrl = new URL(`${endpoint.pathname.replace(/\/$/, '')}/emails`, endpoint);
  const emails = await getJson(config, accessToken, emailsUrl).catch(() => []);
  const list = Array.isArray(emails) ? emails.map(record) : [];
  const primary = list.find((e) => e.primary === true && typeof e.email === 'string');
  const named = splitName(str(user.name));
  return {
    subject: id,
    email: (str(primary?.email) ?? str(user.email))?.toLowerCase() ?? null,
    emailVerified: primary?.verified === true,
    ...named,
    imageUrl: str(user.avatar_url) ?? '',
    username: str(user.login),
  };
}

/** Discord: `/users/@me`, whose `verified` says whether the address was confirmed. */
async function discordPerson(config: oidc.Configuration, accessToken: string): Promise<Person> {
  const user = record(await getJson(config, accessToken, userinfoUrl(config)));
  const id = str(user.id);
  if (!id) throw noSubject();
  const avatar = str(user.avatar);
  return {
    subject: id,
    email: str(user.email)?.toLowerCase() ?? null,
    emailVerified: user.verified === true,
    ...splitName(str(user.global_name) ?? str(user.username)),
    imageUrl: avatar ? `https://cdn.discordapp.com/avatars/${encodeURIComponent(id)}/${encodeURIComponent(avatar)}.png` : '',
    username: str(user.username),
  };
}

/** A fresh access token from a refresh token (the provider may rotate the refresh token too). */
export async function refreshTokens(provider: ResolvedProvider, refreshToken: string, now: number): Promise<ProviderProfile['tokens']> {
  const config = await configurationFor(provider, now);
  const tokens = await oidc.refreshTokenGrant(config, refreshToken);
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? refreshToken, expiresAt: tokens.expires_in ? now + tokens.expires_in * 1000 : null };
}
