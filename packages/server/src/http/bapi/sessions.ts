import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { getClient, listClients, verifyClientToken } from '../../domain/sessions/clients.js';
import { takeHandshakeDirectives } from '../../domain/sessions/handshake.js';
import { mintSessionToken } from '../../domain/sessions/session-token.js';
import { createSession, getSession, listSessions, revokeSession } from '../../domain/sessions/sessions.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../domain/sessions/signing-keys.js';
import { normalizeQuery, parseInput, queryBoolean, queryInteger, queryString } from '../validation.js';
import { serializeClient, serializeSession } from '../../wire/session.js';

const sessionParams = z.object({ session_id: z.string().min(1).max(128) });
const clientParams = z.object({ client_id: z.string().min(1).max(128) });
const SESSION_STATUSES = ['active', 'revoked', 'ended', 'expired', 'removed', 'abandoned', 'replaced', 'pending'] as const;

const listQuery = z.object({
  client_id: queryString.optional(),
  user_id: queryString.optional(),
  status: queryString.pipe(z.enum(SESSION_STATUSES)).optional(),
  paginated: queryBoolean.optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
});
const pageQuery = z.object({ paginated: queryBoolean.optional(), limit: queryInteger(1, 500).optional(), offset: queryInteger(0, 1_000_000_000).optional() });
const createBody = z.object({ user_id: z.string().min(1).max(128), active_organization_id: z.string().max(128).nullish() });
const tokenBody = z.object({ expires_in_seconds: z.number().int().min(30).max(MAX_TOKEN_LIFETIME_SECONDS).nullish() });
const verifyBody = z.object({ token: z.string().min(1).max(8192) });

/** Lists answer `{data,total_count}` with `paginated=true` (what the SDK sends), else a bare array. */
function page<T>(paginated: boolean | undefined, items: T[], totalCount: number) {
  return paginated ? { data: items, total_count: totalCount } : items;
}

const handshakeNonceQuery = z.object({ nonce: queryString.pipe(z.string().min(1).max(256)) });

export function registerSessionRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.post('/sessions', async (request) => {
    const b = parseInput(createBody, request.body);
    return serializeSession(await createSession(ctx, { userId: b.user_id, activeOrganizationId: b.active_organization_id }));
  });

  app.get('/sessions', async (request) => {
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const { items, totalCount } = await listSessions(ctx, {
      ...(q.client_id ? { clientId: q.client_id } : {}),
      ...(q.user_id ? { userId: q.user_id } : {}),
      ...(q.status ? { status: q.status } : {}),
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
    });
    return page(q.paginated, items.map(serializeSession), totalCount);
  });

  app.get('/sessions/:session_id', async (request) => {
    const { session_id } = parseInput(sessionParams, request.params);
    return serializeSession(await getSession(ctx, session_id));
  });

  app.post('/sessions/:session_id/revoke', async (request) => {
    const { session_id } = parseInput(sessionParams, request.params);
    return serializeSession(await revokeSession(ctx, session_id));
  });

  app.post('/sessions/:session_id/tokens', async (request) => {
    const { session_id } = parseInput(sessionParams, request.params);
    const b = parseInput(tokenBody, request.body);
    const { jwt } = await mintSessionToken(ctx, session_id, b.expires_in_seconds ? { expiresInSeconds: b.expires_in_seconds } : {});
    return { object: 'token', jwt };
  });

  app.get('/clients', async (request) => {
    const q = parseInput(pageQuery, normalizeQuery(request.query));
    const { items, totalCount } = await listClients(ctx, { limit: q.limit ?? 10, offset: q.offset ?? 0 });
    return page(q.paginated, items.map(serializeClient), totalCount);
  });

  app.get('/clients/:client_id', async (request) => {
    const { client_id } = parseInput(clientParams, request.params);
    return serializeClient(await getClient(ctx, client_id));
  });

  // The cookies a Frontend API handshake left for the app's server, collected once by nonce.
  app.get('/clients/handshake_payload', async (request) => {
    const { nonce } = parseInput(handshakeNonceQuery, normalizeQuery(request.query));
    return { directives: await takeHandshakeDirectives(ctx, nonce) };
  });

  app.post('/clients/verify', async (request) => {
    const { token } = parseInput(verifyBody, request.body);
    return serializeClient(await verifyClientToken(ctx, token));
  });

  app.get('/jwks', async () => ctx.signingKeys.jwks());
}

/** The public JWKS, for verifiers that hold no secret key. */
export function registerPublicJwksRoute(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return ctx.signingKeys.jwks();
  });
}
