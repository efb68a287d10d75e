import { CompiledQuery, PostgresAdapter, type Compilable, type OperationNodeSource } from 'kysely';
import type { Executor } from './db.js';
import { registerNamedStatement } from './named-statements.js';
import { changesMadeBy } from './write-announcer.js';

/**
 * A hot-path query, built with Kysely's type-checked builder but compiled only once per dialect:
 * building and compiling a query costs more than running an indexed read on SQLite. The builder
 * receives placeholders for the parameters; constants it uses are kept as they are. On
 * PostgreSQL it runs as a named prepared statement (see named-statements.ts).
 */
export function preparedQuery<Row, Args extends readonly unknown[]>(build: (db: Executor, ...args: Args) => Compilable<Row> & OperationNodeSource, arity: Args['length']) {
  const byAdapter = new WeakMap<object, { sql: string; slots: ({ arg: number } | { value: unknown })[] }>();
  return async (db: Executor, ...args: Args): Promise<Row[]> => {
    const adapter = db.getExecutor().adapter;
    let prepared = byAdapter.get(adapter);
    if (!prepared) {
      const sentinels = Array.from({ length: arity }, (_, i) => `\u0000gatehouse-arg-${i}\u0000`);
      const query = build(db, ...(sentinels as unknown as Args));
      // Compiled once and run as is, it would slip past the write announcer (write-announcer.ts).
      if (changesMadeBy(query.toOperationNode()).length > 0) throw new Error('preparedQuery is for reads: caches would not hear of this write');
      const compiled = query.compile();
      prepared = {
        sql: compiled.sql,
        slots: compiled.parameters.map((p) => {
          const index = sentinels.indexOf(p as string);
          return index >= 0 ? { arg: index } : { value: p };
        }),
      };
      if (adapter instanceof PostgresAdapter) registerNamedStatement(prepared.sql);
      byAdapter.set(adapter, prepared);
    }
    const parameters = prepared.slots.map((slot) => ('arg' in slot ? args[slot.arg] : slot.value));
    const result = await db.executeQuery<Row>(CompiledQuery.raw(prepared.sql, parameters));
    return result.rows;
  };
}
