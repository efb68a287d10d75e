import { notFound } from '../../errors.js';
import type { DomainContext } from '../context.js';
import { endpointWants } from './event-types.js';
import { requireEndpoint } from './endpoints.js';
import { newId } from '../../crypto/ids.js';
import { listAttemptRows, listDeliveryRows, listEventRefsSince, queueDelivery, requeueDelivery } from '../../store/repositories/webhook-delivery-repository.js';
import type { DeliveryStatus } from '../../store/schema.js';
import type { Page } from '../page.js';

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
): Promise<Page<WebhookDelivery>> {
  await requireEndpoint(ctx, endpointId);
  const { rows, total } = await listDeliveryRows(ctx.store.db, endpointId, page);
  const attempts = await listAttemptRows(ctx.store.db, rows.map((r) => r.id));
  return {
    totalCount: total,
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
  if (!(await requeueDelivery(ctx.store.db, endpointId, deliveryId, now))) throw notFound();
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
    const rows = await listEventRefsSince(trx, since, REPLAY_LIMIT);
    let n = 0;
    for (const row of rows) {
      if (!endpointWants(events, row.type)) continue;
      await queueDelivery(trx, { id: newId('msg', now), endpointId, eventSeq: row.seq }, now);
      n += 1;
    }
    return n;
  });
}
