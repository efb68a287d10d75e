import type { OAuthAccessToken } from '../domain/oauth/access-tokens.js';
import type { OAuthProvider } from '../domain/oauth/providers.js';

/** A configured social provider, as the Backend API's `/v1/oauth_providers` (a Gatehouse extension) shows it: never its secret. */
export function serializeOAuthProvider(p: OAuthProvider) {
  return {
    object: 'oauth_provider',
    strategy: p.strategy,
    preset: p.preset,
    name: p.name,
    client_id: p.clientId,
    client_secret_set: p.hasClientSecret,
    scopes: p.scopes,
    enabled: p.enabled,
    issuer: p.issuer,
    authorization_endpoint: p.authorizationEndpoint,
    token_endpoint: p.tokenEndpoint,
    userinfo_endpoint: p.userinfoEndpoint,
    logo_url: p.logoUrl,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

/** Clerk's `oauth_access_token`, one per connected account at the provider. */
export function serializeAccessToken(t: OAuthAccessToken) {
  return {
    object: 'oauth_access_token',
    external_account_id: t.externalAccountId,
    provider_user_id: t.providerUserId,
    token: t.token,
    provider: t.provider,
    public_metadata: {},
    label: null,
    scopes: t.scopes,
    expires_at: t.expiresAt,
  };
}
