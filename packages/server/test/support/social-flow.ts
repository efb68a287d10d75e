import { expect } from 'vitest';
import type { FapiBrowser } from './fapi-client.js';
import { followUntil } from './oidc-stand-in.js';

/** A verification of a social sign-in or sign-up, as the Frontend API shows it. */
export interface OAuthVerificationJSON {
  status: string;
  strategy: string;
  external_verification_redirect_url: string | null;
  error?: { code: string } | null;
}

export interface OAuthSignInJSON {
  id: string;
  status: string;
  first_factor_verification: OAuthVerificationJSON | null;
  created_session_id: string | null;
}

export interface OAuthSignUpJSON {
  id: string;
  status: string;
  created_user_id: string | null;
  created_session_id: string | null;
  missing_fields: string[];
  verifications: { external_account: OAuthVerificationJSON | null };
}

export interface CallbackResult {
  status: number;
  location: string | null;
  body: string;
}

/** Gatehouse's callback URL on the server at `baseUrl`. */
export function callbackPrefix(baseUrl: string): string {
  return `${baseUrl}/fapi/v1/oauth_callback`;
}

/** Opens a provider's redirect back to Gatehouse in browser `b` (its cookies), without following on. */
export async function openCallback(b: FapiBrowser, callback: URL): Promise<CallbackResult> {
  const response = await fetch(callback, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
  b.keepCookies(response.headers);
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

/** The browser goes to the provider, signs in there, and comes back through Gatehouse's callback. */
export async function throughProvider(b: FapiBrowser, baseUrl: string, verification: OAuthVerificationJSON | null): Promise<CallbackResult> {
  expect(verification?.status).toBe('unverified');
  const callback = await followUntil(verification!.external_verification_redirect_url!, callbackPrefix(baseUrl));
  return openCallback(b, callback);
}

/** Starts a sign-in with `strategy` as `<SignIn/>`'s button does. */
export async function startSocialSignIn(b: FapiBrowser, baseUrl: string, strategy: string): Promise<OAuthSignInJSON> {
  const reply = await b.call('POST', '/client/sign_ins', { strategy, redirect_url: `${baseUrl}/sign-in#/sso-callback`, action_complete_redirect_url: '/' });
  expect(reply.status).toBe(200);
  return reply.body.response as OAuthSignInJSON;
}

export async function currentSignIn(b: FapiBrowser): Promise<OAuthSignInJSON> {
  const client = (await b.call('GET', '/client')).body.response as { sign_in: OAuthSignInJSON | null };
  return client.sign_in!;
}
