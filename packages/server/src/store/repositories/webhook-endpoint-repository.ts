import { sql, type Updateable } from 'kysely';
import type { Dialect, Executor } from '../db.js';
import type { WebhookEndpointTable } from '../schema.js';
import { pageWithTotal } from '../paging.js';

export async function findWebhookEndpointRow(db: Executor, id: string): Promise<WebhookEndpointTable | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Where a new endpoint starts: it receives events after the log's current head. On PostgreSQL
 * the reading cursor starts at the oldest running transaction (so nothing committing later is
 * skipped) and `created_seq` filters out what was already there.
 */
export async function startingCursor(db: Executor, dialect: Dialect): Promise<{ cursor_txid: number; cursor_seq: number; created_seq: number }> {
  const last = await db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  const head = Number(last?.seq ?? 0);
  if (dialect === 'postgres') {
    const row = await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(db);
    return { cursor_txid: Number(row.rows[0]?.xmin ?? 0), cursor_seq: 0, created_seq: head };
  }
  return { cursor_txid: 0, cursor_seq: head, created_seq: head };
}

export async function insertWebhookEndpoint(db: Executor, row: WebhookEndpointTable): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

export async function updateWebhookEndpointRow(db: Executor, id: string, patch: Updateable<WebhookEndpointTable>): Promise<void> {
  await db.updateTable('webhook_endpoints').set(patch).where('id', '=', id).execute();
}

/** Deletes an endpoint; its deliveries and attempts go with it (ON DELETE CASCADE). */
export async function deleteWebhookEndpointRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
}

/** One page of endpoints, newest first, and how many there are. */
export async function listWebhookEndpointRows(db: Executor, page: { limit: number; offset: number }): Promise<{ rows: WebhookEndpointTable[]; total: number }> {
  return pageWithTotal(db.selectFrom('webhook_endpoints'), (q) => q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'), page);
}
