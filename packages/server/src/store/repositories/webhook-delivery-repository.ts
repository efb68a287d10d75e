import { sql, type Selectable } from 'kysely';
import type { Dialect, Executor } from '../db.js';
import { pageWithTotal } from '../paging.js';
import { forUpdateSkipLocked } from '../row-lock.js';
import type { DeliveryStatus, WebhookAttemptTable, WebhookDeliveryTable, WebhookEndpointTable } from '../schema.js';

/** One page of an endpoint's deliveries (newest first) with the event each carries, and how many match. */
export async function listDeliveryRows(db: Executor, endpointId: string, page: { limit: number; offset: number; status?: DeliveryStatus | undefined }) {
  let base = db.selectFrom('webhook_deliveries as d').where('d.endpoint_id', '=', endpointId);
  if (page.status) base = base.where('d.status', '=', page.status);
  return pageWithTotal(
    base,
    (q) =>
      q
        .innerJoin('events as e', 'e.seq', 'd.event_seq')
        .select(['d.id', 'd.endpoint_id', 'd.status', 'd.attempts', 'd.next_attempt_at', 'd.last_status_code', 'd.last_error', 'd.created_at', 'd.updated_at', 'e.id as event_id', 'e.type as event_type'])
        .orderBy('d.created_at', 'desc')
        .orderBy('d.event_seq', 'desc'),
    page,
  );
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

// ---- the dispatcher's queue ----

/** Where each endpoint's fan-out stands in the event log. */
export async function listEndpointCursors(db: Executor): Promise<Pick<WebhookEndpointTable, 'id' | 'cursor_txid' | 'cursor_seq'>[]> {
  return db.selectFrom('webhook_endpoints').select(['id', 'cursor_txid', 'cursor_seq']).execute();
}

/**
 * Events after a cursor in commit order. On PostgreSQL only those below the oldest running
 * transaction: no later commit can land in that range, so the cursor never skips one.
 */
export async function listEventsAfterCursor(
  db: Executor,
  dialect: Dialect,
  cursor: Pick<WebhookEndpointTable, 'cursor_txid' | 'cursor_seq'>,
  limit: number,
): Promise<{ seq: number; txid: number; type: string }[]> {
  let query = db
    .selectFrom('events')
    .select(['seq', 'txid', 'type'])
    // A row-value comparison, so both stores walk the (txid, seq) index.
    .where((eb) => eb(eb.refTuple('txid', 'seq'), '>', eb.tuple(cursor.cursor_txid, cursor.cursor_seq)));
  if (dialect === 'postgres') query = query.where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`);
  return query.orderBy('txid').orderBy('seq').limit(limit).execute();
}

/** The endpoint, locked for one fan-out pass; undefined when gone or (PostgreSQL) another process holds it. */
export async function lockEndpointForFanOut(db: Executor, dialect: Dialect, id: string): Promise<WebhookEndpointTable | undefined> {
  return forUpdateSkipLocked(db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id), dialect).executeTakeFirst();
}

/** New deliveries; an event the endpoint already has a delivery for is left alone. */
export async function insertNewDeliveries(db: Executor, rows: readonly WebhookDeliveryTable[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('webhook_deliveries').values([...rows]).onConflict((oc) => oc.columns(['endpoint_id', 'event_seq']).doNothing()).execute();
}

export async function advanceEndpointCursor(db: Executor, id: string, cursor: { txid: number; seq: number }): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ cursor_txid: cursor.txid, cursor_seq: cursor.seq }).where('id', '=', id).execute();
}

export interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  event_seq: number;
  attempts: number;
  /** The claim's lease: the attempt is recorded against it, so a replay queued meanwhile stands. */
  locked_until: number | null;
}

/** Marks up to `limit` due deliveries as claimed until `lockedUntil`, atomically across processes. */
export async function claimDueDeliveries(db: Executor, dialect: Dialect, now: number, lockedUntil: number, limit: number): Promise<ClaimedDelivery[]> {
  const due = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit);
  // SQLite runs one writer at a time, so the single UPDATE statement is already atomic there.
  return db
    .updateTable('webhook_deliveries')
    .set({ locked_until: lockedUntil })
    .where('id', 'in', forUpdateSkipLocked(due, dialect))
    .returning(['id', 'endpoint_id', 'event_seq', 'attempts', 'locked_until'])
    .execute();
}

/**
 * Records one attempt and moves its delivery on, unless the claim was lost meanwhile (the delivery
 * was replayed, or its lease lapsed and another pass took it): that newer state stands.
 */
export async function recordDeliveryAttempt(
  db: Executor,
  attempt: Omit<WebhookAttemptTable, 'id'>,
  lease: number | null,
  delivery: Pick<WebhookDeliveryTable, 'status' | 'attempts' | 'next_attempt_at' | 'last_status_code' | 'last_error' | 'updated_at'>,
): Promise<void> {
  await db.insertInto('webhook_attempts').values(attempt).execute();
  await db
    .updateTable('webhook_deliveries')
    .set({ ...delivery, locked_until: null })
    .where('id', '=', attempt.delivery_id)
    .where((eb) => (lease === null ? eb('locked_until', 'is', null) : eb('locked_until', '=', lease)))
    .execute();
}
