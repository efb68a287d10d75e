import { createHash } from 'node:crypto';
import { publishableKeyFor } from '../../crypto/publishable-key.js';
import { hashSecret, randomSecret } from '../../crypto/tokens.js';
import { GatehouseError } from '../../errors.js';
import { insertHandshakePayload, takeHandshakePayload } from '../../store/repositories/handshake-repository.js';
import type { DomainContext } from '../context.js';
import { loadBrowserClient } from './browser-clients.js';
import { signClaims } from './session-token.js';

/**
 * The handshake (clerk-compat §2.4): when an app's server cannot tell from its cookies whether
 * the person is signed in (a token expired, say), Clerk's middleware sends the browser here; the
 * client's cookie tells who it is, and the answer goes back as Set-Cookie directives for the
 * app's own domain — a fresh `__session` and `__client_uat`, or cleared ones when signed out.
 */
const NONCE_LIFETIME_MS = 60_000;
/** `__client_uat` outlives any session: it says when the client last changed, or 0. */
export const CLIENT_UAT_MAX_AGE_SECONDS = 10 * 365 * 24 * 3600;

/** Clerk's cookie suffix: the first 8 characters of base64url(SHA-1(publishable key)). */
export function cookieSuffix(ctx: DomainContext): string {
  return createHash('sha1').update(publishableKeyFor(ctx.publicUrl)).digest('base64url').slice(0, 8);
}

/** `appOrigin`, the origin the browser goes back to, is the `azp` of the session token it carries. */
export async function handshakeDirectives(ctx: DomainContext, clientId: string | undefined, options: { suffixed: boolean; secure: boolean; appOrigin: string }): Promise<string[]> {
  const client = clientId ? await loadBrowserClient(ctx, clientId, { origin: options.appOrigin }) : undefined;
  const active = client?.sessions.find((s) => s.session.id === client.lastActiveSessionId) ?? client?.sessions.at(-1);
  const attrs = `Path=/; SameSite=Lax${options.secure ? '; Secure' : ''}`;
  const names = (base: string) => (options.suffixed ? [base, `${base}_${cookieSuffix(ctx)}`] : [base]);
  const directives: string[] = [];
  if (active?.token && client) {
    const uat = Math.floor(client.updatedAt / 1000);
    for (const name of names('__client_uat')) directives.push(`${name}=${uat}; ${attrs}; Max-Age=${CLIENT_UAT_MAX_AGE_SECONDS}`);
    for (const name of names('__session')) directives.push(`${name}=${active.token.jwt}; ${attrs}`);
  } else {
    for (const name of names('__client_uat')) directives.push(`${name}=0; ${attrs}; Max-Age=${CLIENT_UAT_MAX_AGE_SECONDS}`);
    for (const name of names('__session')) directives.push(`${name}=; ${attrs}; Max-Age=0`);
  }
  directives.push(`__clerk_handshake=; ${attrs}; Max-Age=0`);
  return directives;
}

/** Keeps the directives for the app's server to collect once, by the nonce returned. */
export async function storeHandshakePayload(ctx: DomainContext, directives: readonly string[]): Promise<string> {
  const nonce = randomSecret(32);
  const now = ctx.now();
  await insertHandshakePayload(ctx.store.db, { nonce_hash: hashSecret(nonce), directives: JSON.stringify(directives), expires_at: now + NONCE_LIFETIME_MS, created_at: now });
  return nonce;
}

/** The directives a nonce stands for, once; an unknown, used or expired nonce is refused. */
export async function takeHandshakeDirectives(ctx: DomainContext, nonce: string): Promise<string[]> {
  const stored = await takeHandshakePayload(ctx.store.db, hashSecret(nonce), ctx.now());
  if (stored === undefined) throw new GatehouseError('resource_not_found');
  return JSON.parse(stored) as string[];
}

/** The directives as a handshake token (`format=token`), signed with the instance's session key. */
export async function handshakeToken(ctx: DomainContext, directives: readonly string[]): Promise<string> {
  return (await signClaims(ctx, { handshake: [...directives] }, 60)).jwt;
}
