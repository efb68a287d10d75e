import { paramError } from '../../errors.js';
import { findEventSeq, listEventsNewestFirst } from '../../store/repositories/event-repository.js';
import type { ActorType } from '../../store/schema.js';
import type { DomainContext } from '../context.js';

export interface AuditEvent {
  id: string;
  type: string;
  actor: { type: ActorType; id: string | null; detail: string | null };
  ip: string | null;
  userAgent: string | null;
  subjectUserId: string | null;
  subjectOrganizationId: string | null;
  data: unknown;
  diff: Record<string, [unknown, unknown]> | null;
  createdAt: number;
}

export interface AuditQuery {
  actorId?: string;
  userId?: string;
  organizationId?: string;
  types?: string[];
  createdAfter?: number;
  createdBefore?: number;
  /** The id of the last event of the previous page. */
  startingAfter?: string;
  limit: number;
}

/**
 * The audit log, newest first, read from the same event log the webhooks deliver. Cursor paging
 * by the log's own sequence, so a page stays stable while events keep arriving.
 */
export async function listAuditEvents(ctx: DomainContext, q: AuditQuery): Promise<{ items: AuditEvent[]; hasMore: boolean }> {
  const db = ctx.store.db;
  let beforeSeq: number | undefined;
  if (q.startingAfter !== undefined) {
    beforeSeq = await findEventSeq(db, q.startingAfter);
    if (beforeSeq === undefined) throw paramError('form_param_value_invalid', 'starting_after', 'starting_after must be the id of an audit event.');
  }
  const filter = { beforeSeq, actorId: q.actorId, subjectUserId: q.userId, subjectOrganizationId: q.organizationId, types: q.types, createdAfter: q.createdAfter, createdBefore: q.createdBefore };
  const rows = await listEventsNewestFirst(db, filter, q.limit + 1);
  const items = rows.slice(0, q.limit).map((r) => ({
    id: r.id,
    type: r.type,
    actor: { type: r.actor_type, id: r.actor_id, detail: r.actor_detail },
    ip: r.ip,
    userAgent: r.user_agent,
    subjectUserId: r.subject_user_id,
    subjectOrganizationId: r.subject_organization_id,
    data: JSON.parse(r.data) as unknown,
    diff: r.diff ? (JSON.parse(r.diff) as Record<string, [unknown, unknown]>) : null,
    createdAt: r.created_at,
  }));
  return { items, hasMore: rows.length > q.limit };
}
