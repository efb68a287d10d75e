/**
 * Query plans for exactly the SQL the server runs: a Kysely plugin on the server's own store
 * records each query a domain call issues, and each is then run again under EXPLAIN QUERY PLAN
 * (SQLite) or EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL).
 */
import { CompiledQuery, type KyselyPlugin, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { Store } from '../../packages/server/src/store/db.js';

export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
}

/** Runs `work` against a copy of `store` whose every query is recorded, compiled as sent. */
export async function captureQueries(store: Store, work: (store: Store) => Promise<unknown>): Promise<CapturedQuery[]> {
  const nodes: RootOperationNode[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => {
      nodes.push(node);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  const db = store.db.withPlugin(plugin);
  await work({ ...store, db, transaction: (fn) => db.transaction().execute(fn) });
  const executor = store.db.getExecutor();
  return nodes.map((node) => {
    const compiled = executor.compileQuery(node, { queryId: 'bench-explain' });
    return { sql: compiled.sql, parameters: compiled.parameters };
  });
}

/** The plan as text lines; SQLite's rows are indented by their parent links like its shell does. */
export async function explain(store: Store, query: CapturedQuery): Promise<string[]> {
  if (store.dialect === 'postgres') {
    const result: QueryResult<UnknownRow> = await store.db.executeQuery(
      CompiledQuery.raw(`explain (analyze, buffers) ${query.sql}`, [...query.parameters]),
    );
    return result.rows.map((row) => String(row['QUERY PLAN']));
  }
  const result: QueryResult<UnknownRow> = await store.db.executeQuery(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
  const depth = new Map<number, number>();
  return result.rows.map((row) => {
    const id = Number(row.id);
    const level = (depth.get(Number(row.parent)) ?? -1) + 1;
    depth.set(id, level);
    return `${'  '.repeat(level)}${String(row.detail)}`;
  });
}

/** SQL with its bound values inlined, for reading only (never executed). */
export function readableSql(query: CapturedQuery): string {
  let i = 0;
  const values = query.parameters.map((v) => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v)));
  return query.sql.replace(/\?|\$\d+/g, (token) => {
    if (token === '?') return values[i++] ?? token;
    return values[Number(token.slice(1)) - 1] ?? token;
  });
}
