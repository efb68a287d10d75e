import type { Selectable } from 'kysely';
import type { Executor } from '../db.js';
import type { DeliveryStatus, WebhookAttemptTable } from '../schema.js';

/** One page of an endpoint's deliveries (newest first) with the event each carries, and how many match. */
export async function listDeliveryRows(db: Executor, endpointId: string, page: { limit: number; offset: number; status?: DeliveryStatus | undefined }) {
  let base = db.selectFrom('webhook_deliveries as d').where('d.endpoint_id', '=', endpointId);
  if (page.status) base = base.where('d.status', '=', page.status);
  const [rows, total] = await Promise.all([
    base
      .innerJoin('events as e', 'e.seq', 'd.event_seq')
      .select(['d.id', 'd.endpoint_id', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_status_code', 'd.last_error', 'd.created_at', 'd.updated_at', 'e.id as event_id', 'e.type as event_type'])
      .orderBy('d.created_at', 'desc')
      .orderBy('d.event_seq', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}

/** Every attempt of these deliveries, oldest first. */
export async function listAttemptRows(db: Executor, deliveryIds: readonly string[]): Promise<Selectable<WebhookAttemptTable>[]> {
  if (deliveryIds.length === 0) return [];
  return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', [...deliveryIds]).orderBy('attempted_at').orderBy('id').execute();
}

/** Makes a delivery due again now, as if new; false when the endpoint has no such delivery. */
export async function requeueDelivery(db: Executor, endpointId: string, deliveryId: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, updated_at: now })
    .where('id', '=', deliveryId)
    .where('endpoint_id', '=', endpointId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Events appended since `since` (ms), oldest first, at most `limit`. */
export async function listEventRefsSince(db: Executor, since: number, limit: number): Promise<{ seq: number; type: string }[]> {
  return db.selectFrom('events').select(['seq', 'type']).where('created_at', '>=', since).orderBy('seq').limit(limit).execute();
}

/** Queues an event for an endpoint: a new delivery, or the existing one reset (same id, so the same svix-id). */
export async function queueDelivery(db: Executor, delivery: { id: string; endpointId: string; eventSeq: number }, now: number): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({ id: delivery.id, endpoint_id: delivery.endpointId, event_seq: delivery.eventSeq, status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, last_status_code: null, last_error: null, created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['endpoint_id', 'event_seq']).doUpdateSet({ status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, updated_at: now }))
    .execute();
}
