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
 * per connection. Both save server CPU on every user created (bench/README.md has the figures).
 */
export async function insertTogether(store: Store, inserts: readonly RowsInto[], options: { prepared?: boolean } = {}): Promise<void> {
  if (inserts.length === 0) return;
  const gathered = options.prepared ? gather(inserts) : undefined;
  const shape = gathered && compiledShape(store, inserts, gathered);
  if (gathered && shape) {
    await runShape(store, shape, gathered.values);
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

/** A call's shape key and its values, in one pass over the rows. */
interface Gathered {
  /** Each table, its columns with a value and its row count. */
  key: string;
  /** Per insert: its rows' values, row by row and column by column, as Kysely orders its parameters. */
  values: unknown[][];
}

/**
 * Undefined when the rows of an insert do not share their columns, or a value is not a plain one
 * (Kysely would compile that into the SQL): such calls are built every time.
 */
function gather(inserts: readonly RowsInto[]): Gathered | undefined {
  let key = '';
  const values: unknown[][] = [];
  for (const { into, rows } of inserts) {
    let firstColumns: string | undefined;
    const insertValues: unknown[] = [];
    for (const row of rows as readonly Row[]) {
      let columns = '';
      for (const column in row) {
        const value = row[column];
        if (value === undefined) continue;
        if (!isParameter(value)) return undefined;
        columns += columns ? `,${column}` : column;
        insertValues.push(value);
      }
      firstColumns ??= columns;
      if (columns !== firstColumns) return undefined;
    }
    if (firstColumns === undefined) return undefined;
    key += `${into}(${firstColumns})*${rows.length};`;
    values.push(insertValues);
  }
  return { key, values };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}

/** The shape to run with `gathered`'s values; undefined: build this call's SQL as an unprepared one would. */
function compiledShape(store: Store, inserts: readonly RowsInto[], gathered: Gathered): CompiledShape | undefined {
  let shapes = shapesByStore.get(store);
  if (!shapes) {
    shapes = new Map();
    shapesByStore.set(store, shapes);
  }
  const known = shapes.get(gathered.key);
  if (known !== undefined) return known ?? undefined;
  const shape = compileShape(store, inserts, gathered.values);
  shapes.set(gathered.key, shape);
  return shape ?? undefined;
}

/**
 * Kysely builds and compiles the shape once. Its parameters must be exactly the gathered values,
 * in order: if they are not (a future Kysely placing something differently), the shape is never
 * cached and every call builds its SQL as an unprepared one would.
 */
function compileShape(store: Store, inserts: readonly RowsInto[], values: readonly unknown[][]): CompiledShape | null {
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

async function runShape(store: Store, shape: CompiledShape, values: readonly unknown[][]): Promise<void> {
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
