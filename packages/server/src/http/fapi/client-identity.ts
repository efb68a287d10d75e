import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DomainContext } from '../../domain/context.js';
import { newBrowserClient, type ActingClient } from '../../domain/sessions/acting-client.js';
import { CLIENT_TOKEN_LIFETIME_MS, loadBrowserClient, rotateBrowserClientToken, type BrowserClient, type TokenAudience } from '../../domain/sessions/browser-clients.js';
import { clientIdFromToken } from '../../domain/sessions/clients.js';
import { CLIENT_UAT_MAX_AGE_SECONDS } from '../../domain/sessions/handshake.js';
import type { User } from '../../domain/users/user.js';
import { serializeFapiClient } from '../../wire/fapi/client.js';
import { cookiesSecure } from './transport.js';

/**
 * Which client a request speaks for. Browsers hold its token in the HttpOnly `__client` cookie;
 * native apps send it in `Authorization` with `_is_native=1` and read a new one from the reply's
 * `Authorization` header. `__client_uat` tells the app's server (through Clerk's middleware) when
 * the client last changed: the second of the last sign-in, or 0 when signed out.
 */
const CLIENT_COOKIE = '__client';
const CLIENT_UAT_COOKIE = '__client_uat';

function isNative(request: FastifyRequest): boolean {
  const q = request.query as Record<string, unknown> | undefined;
  return q?.['_is_native'] === '1' || q?.['_is_native'] === 'true';
}

function presentedToken(request: FastifyRequest): string | undefined {
  if (isNative(request)) {
    const header = request.headers.authorization;
    return header ? header.replace(/^Bearer\s+/i, '').trim() || undefined : undefined;
  }
  return request.cookies[CLIENT_COOKIE] || undefined;
}

/** The client the request's token names, when it is valid and current. */
export async function currentClientId(ctx: DomainContext, request: FastifyRequest): Promise<string | undefined> {
  const token = presentedToken(request);
  if (!token || token.length > 4096) return undefined;
  return clientIdFromToken(ctx, token);
}

function handOver(ctx: DomainContext, request: FastifyRequest, reply: FastifyReply, token: string): void {
  if (isNative(request)) {
    reply.header('authorization', token);
    return;
  }
  reply.setCookie(CLIENT_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: cookiesSecure(ctx),
    maxAge: Math.floor(CLIENT_TOKEN_LIFETIME_MS / 1000),
  });
}

/**
 * The request's client; when it has none, a new one, handed to the browser now and stored by the
 * domain with the first write on it (`unsaved` says it is new).
 */
export async function clientIdOrNew(ctx: DomainContext, request: FastifyRequest, reply: FastifyReply): Promise<ActingClient> {
  const existing = await currentClientId(ctx, request);
  if (existing) return { id: existing, unsaved: null };
  const { client, token } = newBrowserClient(ctx);
  handOver(ctx, request, reply, token);
  return client;
}

/** After a sign-in or sign-out the client's token changes, so a token copied before it is worthless. */
export async function rotateClientToken(ctx: DomainContext, request: FastifyRequest, reply: FastifyReply, clientId: string): Promise<void> {
  handOver(ctx, request, reply, await rotateBrowserClientToken(ctx, clientId));
}

/**
 * The rotation after a sign-in or sign-up completes, except for a client this same request
 * created: its token was never out of this reply, so there is nothing copied to void, and a
 * second token would cost a second write on every one-step sign-in.
 */
export async function rotateClientTokenOnCompletion(ctx: DomainContext, request: FastifyRequest, reply: FastifyReply, client: ActingClient): Promise<void> {
  if (!client.unsaved) await rotateClientToken(ctx, request, reply, client.id);
}

function setClientUat(ctx: DomainContext, request: FastifyRequest, reply: FastifyReply, client: BrowserClient | null): void {
  if (isNative(request)) return;
  const signedIn = client !== null && client.sessions.length > 0;
  const value = signedIn ? String(Math.floor(client.updatedAt / 1000)) : '0';
  if (request.cookies[CLIENT_UAT_COOKIE] === value) return;
  reply.setCookie(CLIENT_UAT_COOKIE, value, { path: '/', sameSite: 'lax', secure: cookiesSecure(ctx), maxAge: CLIENT_UAT_MAX_AGE_SECONDS });
}

/** Clerk's `{response, client}` envelope; the client rides along on every reply that may change it. */
export async function withClient(ctx: DomainContext, request: FastifyRequest, reply: FastifyReply, clientId: string | undefined, response: unknown, known?: User) {
  const client = clientId ? await loadBrowserClient(ctx, clientId, tokenAudience(ctx, request), known ? [known] : []) : null;
  setClientUat(ctx, request, reply, client);
  const serialized = client ? serializeFapiClient(client) : null;
  return { response: response === CLIENT ? serialized : response, client: serialized };
}

/**
 * The page the request came from, when it is one of ours: the `azp` of the session tokens in the
 * reply. Browsers name it in `Origin`, except on a same-origin GET, which only `Sec-Fetch-Site`
 * tells apart: then it is a page of this server (the hosted pages).
 */
export function tokenAudience(ctx: DomainContext, request: FastifyRequest): TokenAudience {
  const origin = request.headers.origin;
  if (origin) return ctx.allowedOrigins().includes(origin) ? { origin } : {};
  return request.headers['sec-fetch-site'] === 'same-origin' ? { origin: ctx.publicUrl.origin } : {};
}

/** Pass as `response` to answer with the client itself. */
export const CLIENT = Symbol('client');
