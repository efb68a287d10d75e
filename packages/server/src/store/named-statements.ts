import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * PostgreSQL parses and plans an unnamed statement every time it runs; for the hot path's joins
 * planning is most of the work (several times the run time of the session-token query on a warm
 * connection; bench/README.md). A named prepared statement is parsed once per connection and,
 * after PostgreSQL's first few runs, planned once as well.
 *
 * `preparedQuery` and the insert of a new user register their SQL up front. Any other SQL text
 * becomes a named statement once it has run a few times: a sign-in's twenty statements stop
 * being parsed and planned on every request, while one-off SQL (an `in` list of a new length, a
 * search) stays unnamed. The number of names is capped, which bounds what each connection holds.
 */
const statementNames = new Map<string, string>();
let renamed = 0;

/** Runs of one SQL text after which it is prepared by name. */
const PROMOTE_AFTER_RUNS = 3;
/** Most SQL texts named at once; those past it stay unnamed. */
const MAX_NAMED_STATEMENTS = 500;
/** Most texts counted while not yet named; the count starts over beyond it. */
const MAX_COUNTED_TEXTS = 1000;
/** Longer SQL (a batch insert of many rows) is neither counted nor named. */
const MAX_NAMED_SQL_LENGTH = 8192;
const runsOfUnnamed = new Map<string, number>();

function baseName(sqlText: string): string {
  return `gatehouse_${createHash('sha256').update(sqlText).digest('hex').slice(0, 32)}`;
}

export function registerNamedStatement(sqlText: string): void {
  if (!statementNames.has(sqlText)) statementNames.set(sqlText, baseName(sqlText));
}

/** The statement's name, once it has run often enough to earn one. */
function nameFor(sqlText: string): string | undefined {
  const name = statementNames.get(sqlText);
  if (name !== undefined || statementNames.size >= MAX_NAMED_STATEMENTS || sqlText.length > MAX_NAMED_SQL_LENGTH) return name;
  const runs = (runsOfUnnamed.get(sqlText) ?? 0) + 1;
  if (runs < PROMOTE_AFTER_RUNS) {
    if (runsOfUnnamed.size >= MAX_COUNTED_TEXTS) runsOfUnnamed.clear();
    runsOfUnnamed.set(sqlText, runs);
    return undefined;
  }
  runsOfUnnamed.delete(sqlText);
  registerNamedStatement(sqlText);
  return statementNames.get(sqlText);
}

/**
 * A prepared statement whose result columns change under it (a migration adding a column to a
 * table it selects `*` from) fails with this, before it runs, until it is prepared again.
 */
function isStalePlan(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === '0A000' && /cached plan must not change result type/.test(error.message);
}

async function runNamed<R>(client: pg.PoolClient, sqlText: string, name: string, values: unknown[]): Promise<pg.QueryResult<R & pg.QueryResultRow>> {
  try {
    return await client.query<R & pg.QueryResultRow>({ name, text: sqlText, values });
  } catch (error) {
    if (!isStalePlan(error)) throw error;
    // Every connection prepares the statement afresh under a new name. Inside a transaction the
    // retry fails too (the failure aborted it), and the caller sees that error.
    const fresh = `${baseName(sqlText)}_${++renamed}`;
    statementNames.set(sqlText, fresh);
    return client.query<R & pg.QueryResultRow>({ name: fresh, text: sqlText, values });
  }
}

/** The pool Kysely sees: pg's own, with registered SQL sent as named statements. */
export function poolWithNamedStatements(pool: pg.Pool): PostgresPool {
  // Kysely keys its connection state by client object, so each pg client keeps one wrapper.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
      if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as unknown as pg.Submittable) as unknown as PostgresCursor<R>;
      const values = [...(parameters ?? [])];
      const name = nameFor(sqlOrCursor);
      const result = name ? runNamed<R>(client, sqlOrCursor, name, values) : client.query(sqlOrCursor, values);
      return result as unknown as Promise<PostgresQueryResult<R>>;
    }
    return { query, release: (destroy?: boolean) => client.release(destroy) };
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
