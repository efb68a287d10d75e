import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * PostgreSQL announces committed changes to the tables servers cache, on the channel
 * change-feed.ts listens to, with the table's name as payload. `pg_notify` is transactional:
 * listeners hear of a change only once it has committed, and never of one rolled back.
 *
 * secret_keys: a revocation (or a deleted row) must reach every server's key cache at once.
 * `last_used_at` bookkeeping is left out, so it does not empty caches once a minute.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`create function gatehouse_announce_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify('gatehouse_changes', tg_table_name);
      return null;
    end
  $$`.execute(db);
  await sql`create trigger secret_keys_announce_change
    after update of revoked_at, key_hash or delete or truncate on secret_keys
    for each statement execute function gatehouse_announce_change()`.execute(db);
}
