/**
 * What Gatehouse knows of each provider it has a preset for: how to reach it and how to read the
 * person it names. OpenID Connect providers are found by their issuer (discovery, ID token);
 * GitHub and Discord speak plain OAuth 2.0 and are read through their user APIs. Every endpoint
 * can be overridden per provider (a tenant's issuer, an enterprise GitHub, a local stand-in).
 */
export type ProviderPreset = 'google' | 'microsoft' | 'gitlab' | 'apple' | 'linkedin_oidc' | 'github' | 'discord' | 'oidc';

/** How the person is read once the code is exchanged. */
export type ProfileReader = 'oidc' | 'github' | 'discord';

export interface PresetDefinition {
  name: string;
  reader: ProfileReader;
  issuer?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  scopes: string;
  /** Apple posts the callback as a form (`response_mode=form_post`) when it is asked for names or email. */
  formPost?: boolean;
}

export const PROVIDER_PRESETS: Readonly<Record<ProviderPreset, PresetDefinition>> = {
  google: { name: 'Google', reader: 'oidc', issuer: 'https://accounts.google.com', scopes: 'openid email profile' },
  // Tokens carry the tenant's issuer: set `issuer` to your tenant's (…/<tenant id>/v2.0); this one is personal accounts'.
  microsoft: { name: 'Microsoft', reader: 'oidc', issuer: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0', scopes: 'openid email profile' },
  gitlab: { name: 'GitLab', reader: 'oidc', issuer: 'https://gitlab.com', scopes: 'openid email profile' },
  apple: { name: 'Apple', reader: 'oidc', issuer: 'https://appleid.apple.com', scopes: 'openid email name', formPost: true },
  linkedin_oidc: { name: 'LinkedIn', reader: 'oidc', issuer: 'https://www.linkedin.com/oauth', scopes: 'openid profile email' },
  github: {
    name: 'GitHub',
    reader: 'github',
    authorizationEndpoint: 'https://github.com/login/oauth/authorize',
    tokenEndpoint: 'https://github.com/login/oauth/access_token',
    userinfoEndpoint: 'https://api.github.com/user',
    scopes: 'read:user user:email',
  },
  discord: {
    name: 'Discord',
    reader: 'discord',
    authorizationEndpoint: 'https://discord.com/oauth2/authorize',
    tokenEndpoint: 'https://discord.com/api/oauth2/token',
    userinfoEndpoint: 'https://discord.com/api/users/@me',
    scopes: 'identify email',
  },
  oidc: { name: 'OpenID Connect', reader: 'oidc', scopes: 'openid email profile' },
};

export function isProviderPreset(value: string): value is ProviderPreset {
  return Object.hasOwn(PROVIDER_PRESETS, value);
}

/** Clerk's strategy for a preset (`oauth_google`), or for a generic provider's key (`oauth_custom_<key>`). */
export function strategyFor(preset: ProviderPreset, key?: string): string {
  return preset === 'oidc' ? `oauth_custom_${key ?? ''}` : `oauth_${preset}`;
}
