import { sql, type OperationNodeSource } from 'kysely';
import type { Executor, Store } from './db.js';
import { registerNamedStatement } from './named-statements.js';

/** An insert built with Kysely, not yet run. */
export type PendingInsert = OperationNodeSource & { execute(): Promise<unknown> };

/**
 * Runs several inserts all-or-nothing. On PostgreSQL they go as one statement: every insert but
 * the last becomes a data-modifying CTE, which PostgreSQL runs to completion even though nothing
 * reads it. One round trip, no BEGIN/COMMIT, and constraints (foreign keys included) are checked
 * at the end of that statement. On SQLite, where a statement costs no round trip, they run in
 * order inside one transaction.
 *
 * `build` receives the executor to build on and returns the inserts in dependency order.
 * `prepared`: on PostgreSQL the statement runs as a named prepared statement (parsed and planned
 * once per connection, about 0.2 ms of the server's CPU saved per create of a user). Only for
 * callers whose statements take a few shapes: each shape is one statement on every connection.
 */
export async function insertTogether(store: Store, build: (db: Executor) => PendingInsert[], options: { prepared?: boolean } = {}): Promise<void> {
  if (store.dialect === 'postgres') {
    const inserts = build(store.db);
    const last = inserts.pop();
    if (!last) return;
    if (inserts.length === 0) {
      await last.execute();
      return;
    }
    const ctes = inserts.map((insert, i) => sql`${sql.id(`insert_${i}`)} as (${insert})`);
    // Compiled once through the store's plugins (the write announcer hears it then), run as compiled.
    const compiled = sql`with ${sql.join(ctes)} ${last}`.compile(store.db);
    if (options.prepared) registerNamedStatement(compiled.sql);
    await store.db.executeQuery(compiled);
    return;
  }
  await store.transaction(async (trx) => {
    for (const insert of build(trx)) await insert.execute();
  });
}
