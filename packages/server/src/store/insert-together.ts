import { CompiledQuery, sql, type Insertable, type Kysely } from 'kysely';
import type { TableChange } from './change-feed.js';
import type { Executor, Store } from './db.js';
import { registerNamedStatement } from './named-statements.js';
import type { Database } from './schema.js';
import { changesMadeBy } from './write-announcer.js';

/** Rows for one table. */
export type RowsInto = { [T in keyof Database & string]: { into: T; rows: readonly Insertable<Database[T]>[] } }[keyof Database & string];

type Row = Readonly<Record<string, unknown>>;
/** Kysely seen without its table typing: the inserts arrive as data already checked against `Database`. */
type UntypedExecutor = Kysely<Record<string, Record<string, unknown>>>;

/**
 * Runs several inserts all-or-nothing. On PostgreSQL they go as one statement: every insert but
 * the last becomes a data-modifying CTE, which PostgreSQL runs to completion even though nothing
 * reads it. One round trip, no BEGIN/COMMIT, and constraints (foreign keys included) are checked
 * at the end of that statement. On SQLite, where a statement costs no round trip, they run in
 * order inside one transaction. `inserts` come in dependency order.
 *
 * `prepared`, for callers whose inserts take a few shapes (the same columns, a few row counts):
 * each shape's SQL is built and compiled by Kysely once, and later calls only gather the rows'
 * values. On PostgreSQL that SQL also runs as a named prepared statement, parsed and planned once
 * per connection. Each step saved the server CPU per create of a user: about 0.2 ms for the
 * named statement, and 0.93 -> 0.64 ms for compiling once (executable with imported digests).
 */
export async function insertTogether(store: Store, inserts: readonly RowsInto[], options: { prepared?: boolean } = {}): Promise<void> {
  if (inserts.length === 0) return;
  const shape = options.prepared ? compiledShape(store, inserts) : undefined;
  if (shape) {
    await runShape(store, shape, inserts);
    return;
  }
  if (store.dialect === 'postgres') {
    await store.db.executeQuery(togetherAsOneStatement(store.db, inserts).compile(store.db));
    return;
  }
  await store.transaction(async (trx) => {
    for (const insert of inserts) await insertQuery(trx, insert).execute();
  });
}

function insertQuery(db: Executor, insert: RowsInto) {
  return (db as unknown as UntypedExecutor).insertInto(insert.into).values(insert.rows as readonly Row[]);
}

function togetherAsOneStatement(db: Executor, inserts: readonly RowsInto[]) {
  const queries = inserts.map((insert) => insertQuery(db, insert));
  const last = queries.pop();
  if (!last) throw new Error('no inserts');
  if (queries.length === 0) return last;
  const ctes = queries.map((query, i) => sql`${sql.id(`insert_${i}`)} as (${query})`);
  return sql`with ${sql.join(ctes)} ${last}`;
}

/** The SQL of one shape: one statement on PostgreSQL, one per insert on SQLite. */
interface CompiledShape {
  statements: string[];
  /** Compiled by hand, the statements pass the write announcer unheard: these are announced instead. */
  changes: (TableChange | undefined)[];
}

/** Per store, by shape key; `null`: Kysely's parameters did not come out as gathered, so never cached. */
const shapesByStore = new WeakMap<Store, Map<string, CompiledShape | null>>();

function isParameter(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * The shape's key: each table, its columns and its row count. Undefined when the rows do not share
 * their columns or carry anything but plain values (Kysely would compile those into the SQL).
 */
function shapeKeyOf(inserts: readonly RowsInto[]): string | undefined {
  let key = '';
  for (const { into, rows } of inserts) {
    const first = rows[0];
    if (!first) return undefined;
    const columns = definedColumns(first as Row);
    if (columns === undefined) return undefined;
    for (let i = 1; i < rows.length; i++) if (definedColumns(rows[i] as Row) !== columns) return undefined;
    key += `${into}(${columns})*${rows.length};`;
  }
  return key;
}

/** The row's columns with a value, comma-joined; undefined if a value is not a plain one. */
function definedColumns(row: Row): string | undefined {
  let columns = '';
  for (const column in row) {
    const value = row[column];
    if (value === undefined) continue;
    if (!isParameter(value)) return undefined;
    columns += columns ? `,${column}` : column;
  }
  return columns;
}

/** Every row's values, in the order of the shape's parameters: table by table, row by row, column by column. */
function gatheredValues(inserts: readonly RowsInto[]): unknown[][] {
  return inserts.map(({ rows }) => {
    const values: unknown[] = [];
    for (const row of rows as readonly Row[]) {
      for (const column in row) {
        const value = row[column];
        if (value !== undefined) values.push(value);
      }
    }
    return values;
  });
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}

function compiledShape(store: Store, inserts: readonly RowsInto[]): CompiledShape | undefined {
  const key = shapeKeyOf(inserts);
  if (key === undefined) return undefined;
  let shapes = shapesByStore.get(store);
  if (!shapes) {
    shapes = new Map();
    shapesByStore.set(store, shapes);
  }
  const known = shapes.get(key);
  if (known !== undefined) return known ?? undefined;
  const shape = compileShape(store, inserts);
  shapes.set(key, shape);
  return shape ?? undefined;
}

/**
 * Kysely builds and compiles the shape once. Its parameters must be exactly the gathered values,
 * in order: if they are not (a future Kysely placing something differently), the shape is never
 * cached and every call builds its SQL as an unprepared one would.
 */
function compileShape(store: Store, inserts: readonly RowsInto[]): CompiledShape | null {
  const values = gatheredValues(inserts);
  const changes = inserts.flatMap((insert) => changesMadeBy(insertQuery(store.db, insert).toOperationNode()));
  if (store.dialect === 'postgres') {
    const compiled = togetherAsOneStatement(store.db, inserts).compile(store.db);
    if (!sameValues(compiled.parameters, values.flat())) return null;
    registerNamedStatement(compiled.sql);
    return { statements: [compiled.sql], changes };
  }
  const compiled = inserts.map((insert) => insertQuery(store.db, insert).compile());
  if (!compiled.every((query, i) => sameValues(query.parameters, values[i] ?? []))) return null;
  return { statements: compiled.map((query) => query.sql), changes };
}

async function runShape(store: Store, shape: CompiledShape, inserts: readonly RowsInto[]): Promise<void> {
  const values = gatheredValues(inserts);
  try {
    if (store.dialect === 'postgres') {
      await store.db.executeQuery(CompiledQuery.raw(shape.statements[0] ?? '', values.flat()));
      return;
    }
    await store.transaction(async (trx) => {
      for (const [i, statement] of shape.statements.entries()) await trx.executeQuery(CompiledQuery.raw(statement, values[i] ?? []));
    });
  } finally {
    // Also after a failure, as Store.transaction does: telling caches of a change that did not happen costs a re-read.
    for (const change of shape.changes) store.changes.announce(change);
  }
}
