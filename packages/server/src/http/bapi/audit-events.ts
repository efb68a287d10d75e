import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listAuditEvents } from '../../domain/audit/audit-events.js';
import type { DomainContext } from '../../domain/context.js';
import { serializeAuditEvent } from '../../wire/audit-event.js';
import { normalizeQuery, parseInput, queryInteger, queryList, queryString } from '../validation.js';

const timestamp = queryInteger(0, 8_640_000_000_000_000);
const auditQuery = z.object({
  actor_id: queryString.optional(),
  user_id: queryString.optional(),
  organization_id: queryString.optional(),
  type: queryList.optional(),
  created_at_after: timestamp.optional(),
  created_at_before: timestamp.optional(),
  starting_after: queryString.optional(),
  limit: queryInteger(1, 500).optional(),
});

/** `GET /v1/audit_events`: a Gatehouse extension (Clerk has no audit log API). */
export function registerAuditEventRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/audit_events', async (request) => {
    const q = parseInput(auditQuery, normalizeQuery(request.query));
    const limit = q.limit ?? 50;
    const { items, hasMore } = await listAuditEvents(ctx, {
      ...(q.actor_id ? { actorId: q.actor_id } : {}),
      ...(q.user_id ? { userId: q.user_id } : {}),
      ...(q.organization_id ? { organizationId: q.organization_id } : {}),
      ...(q.type ? { types: q.type } : {}),
      ...(q.created_at_after !== undefined ? { createdAfter: q.created_at_after } : {}),
      ...(q.created_at_before !== undefined ? { createdBefore: q.created_at_before } : {}),
      ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
      limit,
    });
    return {
      object: 'list',
      data: items.map(serializeAuditEvent),
      has_more: hasMore,
      next_cursor: hasMore ? (items[items.length - 1]?.id ?? null) : null,
    };
  });
}
