import { notFound } from '../../errors.js';
import type { DomainContext } from '../context.js';
import { endpointWants } from './event-types.js';
import { requireEndpoint } from './endpoints.js';
import { newId } from '../../crypto/ids.js';
import type { DeliveryStatus } from '../../store/schema.js';

export interface WebhookAttempt {
  attemptedAt: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface WebhookDelivery {
  /** The svix-id receivers see. */
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  /** Only while pending. */
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  attempts: WebhookAttempt[];
}

export async function listDeliveries(
  ctx: DomainContext,
  endpointId: string,
  page: { limit: number; offset: number; status?: DeliveryStatus | undefined },
): Promise<{ items: WebhookDelivery[]; totalCount: number }> {
  await requireEndpoint(ctx, endpointId);
  const db = ctx.store.db;
  let base = db.selectFrom('webhook_deliveries as d').where('d.endpoint_id', '=', endpointId);
  if (page.status) base = base.where('d.status', '=', page.status);
  const rows = await base
    .innerJoin('events as e', 'e.seq', 'd.event_seq')
    .select(['d.id', 'd.endpoint_id', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_status_code', 'd.last_error', 'd.created_at', 'd.updated_at', 'e.id as event_id', 'e.type as event_type'])
    .orderBy('d.created_at', 'desc')
    .orderBy('d.event_seq', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const count = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  const ids = rows.map((r) => r.id);
  const attempts = ids.length === 0 ? [] : await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', ids).orderBy('attempted_at').orderBy('id').execute();
  return {
    totalCount: Number(count?.n ?? 0),
    items: rows.map((r) => ({
      id: r.id,
      endpointId: r.endpoint_id,
      eventId: r.event_id,
      eventType: r.event_type,
      status: r.status,
      attemptCount: r.attempts,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      attempts: attempts
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({ attemptedAt: a.attempted_at, statusCode: a.status_code, latencyMs: a.latency_ms, error: a.error })),
    })),
  };
}

/** Queues one delivery again now, under the same svix-id (receivers de-duplicate on it). */
export async function replayDelivery(ctx: DomainContext, endpointId: string, deliveryId: string): Promise<void> {
  const now = ctx.now();
  const result = await ctx.store.db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, updated_at: now })
    .where('id', '=', deliveryId)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound();
}

/** Most events one replay request may queue; a larger backlog takes several requests. */
const REPLAY_LIMIT = 10_000;

/**
 * Queues again every event since `since` (ms) the endpoint subscribes to: existing deliveries
 * are reset (same svix-id), events it never had (e.g. while disabled) get new ones. Returns how
 * many were queued.
 */
export async function replaySince(ctx: DomainContext, endpointId: string, since: number): Promise<number> {
  const now = ctx.now();
  const endpoint = await requireEndpoint(ctx, endpointId);
  const events = endpoint.events === null ? null : (JSON.parse(endpoint.events) as string[]);
  return ctx.store.transaction(async (trx) => {
    const rows = await trx.selectFrom('events').select(['seq', 'type']).where('created_at', '>=', since).orderBy('seq').limit(REPLAY_LIMIT).execute();
    let n = 0;
    for (const row of rows) {
      if (!endpointWants(events, row.type)) continue;
      await trx
        .insertInto('webhook_deliveries')
        .values({ id: newId('msg', now), endpoint_id: endpointId, event_seq: row.seq, status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, last_status_code: null, last_error: null, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['endpoint_id', 'event_seq']).doUpdateSet({ status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, updated_at: now }))
        .execute();
      n += 1;
    }
    return n;
  });
}
