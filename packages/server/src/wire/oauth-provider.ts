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
