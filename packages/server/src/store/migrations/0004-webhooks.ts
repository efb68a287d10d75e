import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  // On PostgreSQL, identity values are handed out at insert time but become visible at commit, so
  // a reader walking `seq` could pass a value an in-flight transaction still holds and miss it.
  // Each event therefore records its writer's transaction id; the dispatcher reads in
  // (txid, seq) order and only below the oldest running transaction, a prefix that never changes.
  // SQLite has one writer at a time, so `seq` alone is already commit order (txid stays 0).
  if (dialect === 'postgres') {
    await sql`alter table events add column txid bigint not null default (pg_current_xact_id()::text::bigint)`.execute(db);
  } else {
    await sql`alter table events add column txid integer not null default 0`.execute(db);
  }
  await db.schema.createIndex('events_txid_seq_idx').on('events').columns(['txid', 'seq']).execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // JSON array of event types; null = every Clerk event type.
    .addColumn('events', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    // Sealed with the instance encryption key: the secret is needed in clear to sign.
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('previous_secret_sealed', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', 'bigint')
    // Fan-out position in the event log: (txid, seq) of the last event considered.
    .addColumn('cursor_txid', 'bigint', (c) => c.notNull())
    .addColumn('cursor_seq', 'bigint', (c) => c.notNull())
    // The log's head when the endpoint was created: it receives only events after it.
    .addColumn('created_seq', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    // The `msg_` id is the svix-id: stable across retries so receivers can de-duplicate.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('webhook_deliveries_endpoint_event_uq', ['endpoint_id', 'event_seq'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_endpoint_idx').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').columns(['delivery_id', 'attempted_at']).execute();
}
