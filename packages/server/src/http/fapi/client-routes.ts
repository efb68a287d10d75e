import { requireAllowedRedirect } from '../../domain/redirects.js';
import type { RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { loadBrowserSession } from '../../domain/sessions/browser-clients.js';
import { endClientSession, mintClientSessionToken, signOutClient, touchSession } from '../../domain/sessions/client-sessions.js';
import { handshakeDirectives, handshakeToken, storeHandshakePayload } from '../../domain/sessions/handshake.js';
import { serializeFapiSession } from '../../wire/fapi/client.js';
import { parseInput } from '../validation.js';
import { CLIENT, currentClientId, rotateClientToken, tokenAudience, withClient } from './client-identity.js';
import { requireClientId, sessionParams, text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const touchBody = z.object({ active_organization_id: text(128).optional(), intent: text(32).optional() });
const tokenParams = sessionParams.extend({ template: z.string().min(1).max(256).optional() });
const handshakeQuery = z.object({
  redirect_url: text(2048),
  format: z.enum(['nonce', 'token']).optional(),
  suffixed_cookies: text(8).optional(),
});
const touchRedirectQuery = z.object({ redirect_url: text(2048) });

/** The client and its sessions: read it, sign out, touch, mint tokens, end or remove a session, the handshake, and the pass-through on the way to another origin. */
export function registerClientRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('GET', '/client', async (request, reply) => {
    const clientId = await currentClientId(ctx, request);
    return withClient(ctx, request, reply, clientId, CLIENT);
  });

  // Signing out: the client's sessions end, and its token changes.
  const signOut: RouteHandlerMethod = async (request, reply) => {
    const clientId = await currentClientId(ctx, request);
    if (clientId) {
      await signOutClient(ctx, clientId);
      await rotateClientToken(ctx, request, reply, clientId);
    }
    return withClient(ctx, request, reply, clientId, CLIENT);
  };
  r.route('DELETE', '/client', signOut);
  r.route('DELETE', '/client/sessions', signOut);

  r.route('POST', '/client/sessions/:session_id/touch', async (request, reply) => {
    const { session_id } = parseInput(sessionParams, request.params);
    const body = parseInput(touchBody, request.body);
    const clientId = await requireClientId(ctx, request);
    await touchSession(ctx, clientId, session_id, { activeOrganizationId: body.active_organization_id });
    return withClient(ctx, request, reply, clientId, serializeFapiSession(await loadBrowserSession(ctx, clientId, session_id, tokenAudience(ctx, request))));
  });

  for (const path of ['/client/sessions/:session_id/tokens', '/client/sessions/:session_id/tokens/:template']) {
    r.route('POST', path, async (request) => {
      const params = parseInput(tokenParams, request.params);
      const clientId = await requireClientId(ctx, request);
      const { origin } = tokenAudience(ctx, request);
      const token = await mintClientSessionToken(ctx, clientId, params.session_id, {
        ...(params.template ? { template: params.template } : {}),
        ...(origin ? { origin } : {}),
      });
      return { object: 'token', jwt: token.jwt };
    });
  }

  for (const [action, status] of [
    ['end', 'ended'],
    ['remove', 'removed'],
  ] as const) {
    r.route('POST', `/client/sessions/:session_id/${action}`, async (request, reply) => {
      const { session_id } = parseInput(sessionParams, request.params);
      const clientId = await requireClientId(ctx, request);
      await endClientSession(ctx, clientId, session_id, status);
      return withClient(ctx, request, reply, clientId, serializeFapiSession(await loadBrowserSession(ctx, clientId, session_id, tokenAudience(ctx, request))));
    });
  }

  r.route('GET', '/client/sessions/:session_id', async (request, reply) => {
    const { session_id } = parseInput(sessionParams, request.params);
    const clientId = await requireClientId(ctx, request);
    return withClient(ctx, request, reply, clientId, serializeFapiSession(await loadBrowserSession(ctx, clientId, session_id, tokenAudience(ctx, request))));
  });

  // Clerk's middleware sends a browser here when it cannot tell from the app's cookies who is
  // signed in; the answer goes back to the app as cookie directives (clerk-compat §2.4).
  r.route('GET', '/client/handshake', async (request, reply) => {
    const q = parseInput(handshakeQuery, request.query);
    const target = requireAllowedRedirect(ctx, q.redirect_url);
    const clientId = await currentClientId(ctx, request);
    const directives = await handshakeDirectives(ctx, clientId, { suffixed: q.suffixed_cookies === 'true', secure: target.protocol === 'https:', appOrigin: target.origin });
    if (q.format === 'nonce') target.searchParams.set('__clerk_handshake_nonce', await storeHandshakePayload(ctx, directives));
    else target.searchParams.set('__clerk_handshake', await handshakeToken(ctx, directives));
    return reply.redirect(target.href, 307);
  });

  // clerk-js passes through here on its way to another origin after signing in, so the Frontend
  // API can refresh the client's cookies before the browser lands on the app.
  r.route('GET', '/client/touch', async (request, reply) => {
    const q = parseInput(touchRedirectQuery, request.query);
    const target = requireAllowedRedirect(ctx, q.redirect_url);
    const clientId = await currentClientId(ctx, request);
    await withClient(ctx, request, reply, clientId, CLIENT);
    return reply.redirect(target.href, 303);
  });
}
