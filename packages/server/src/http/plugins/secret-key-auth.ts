import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/events/append-event.js';
import { currentAuditContext } from '../../domain/events/audit-context.js';
import { authenticateSecretKey, type KeyContext, type SecretKeyPrincipal } from '../../domain/keys/secret-keys.js';
import { GatehouseError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: SecretKeyPrincipal | undefined;
  }
}

const BEARER = /^Bearer +([^\s]+) *$/i;

/** Backend API authentication: `Authorization: Bearer sk_…`, nothing else (never a query string). */
export function requireSecretKey(app: FastifyInstance, deps: { ctx: KeyContext; configuredKey: string | undefined }): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const presented = presentedSecretKey(request);
    if (!presented || presented.length > 512) throw new GatehouseError('clerk_key_invalid');
    const principal = await authenticateSecretKey(deps.ctx, presented, deps.configuredKey);
    if (!principal) throw new GatehouseError('clerk_key_invalid');
    request.principal = principal;
    const audit = currentAuditContext();
    if (audit) {
      audit.actor = actorOf(request);
      const detail = actorDetailOf(request);
      if (detail) audit.actorDetail = detail;
    }
  });
}

/**
 * `Gatehouse-Actor-Detail` (a Backend API extension) lets a key holder say on whose behalf it
 * acts (the MCP server sends `mcp:<client name>`); it refines the actor and never replaces it.
 */
function actorDetailOf(request: FastifyRequest): string | undefined {
  const header = request.headers['gatehouse-actor-detail'];
  if (typeof header !== 'string') return undefined;
  const clean = header.replace(/[^\x20-\x7e]/g, '').trim().slice(0, 200);
  return clean || undefined;
}

/** The bearer token of a request, unchecked. */
export function presentedSecretKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  return match?.[1];
}

/** Who made a Backend API request, as the event log records it. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  return { type: 'secret_key', id: p?.kind === 'secret_key' ? p.keyId : 'configured' };
}
