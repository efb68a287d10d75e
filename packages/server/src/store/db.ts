import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type Transaction } from 'kysely';
import pg from 'pg';
import { CHANGE_FEED_APPLICATION_NAME, postgresChangeFeed, sqliteChangeFeed, type ChangeFeed, type TableChange } from './change-feed.js';
import type { Database } from './schema.js';
import { poolWithNamedStatements } from './named-statements.js';
import { WriteAnnouncer } from './write-announcer.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * `full` syncs the write-ahead log at every commit, so an acknowledged change survives power loss
 * and kernel crashes; `normal` syncs only at checkpoints: still safe when the process dies, but
 * the last commits can vanish when the machine does.
 */
export type SqliteSynchronous = 'full' | 'normal';

export type StoreOptions =
  | { kind: 'sqlite'; file: string; synchronous?: SqliteSynchronous }
  | { kind: 'postgres'; url: string; searchPath?: string; poolSize?: number };

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Changes to announce to, and hear from, in-memory caches of store rows. */
  readonly changes: ChangeFeed;
  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs writes whose commit need not reach the disk on its own, because a synced commit follows
   * before anyone is told of them: SQLite's next synced commit flushes the whole write-ahead log
   * up to it. For a counter taken before a slow check whose outcome is then written in full.
   */
  provisional<T>(work: (db: Executor) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type Executor = Kysely<Database> | Transaction<Database>;

// int8 (bigint) and numeric come back from pg as strings by default; every such column here holds
// a millisecond timestamp or a count, well inside Number's exact range.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function storeOptionsFrom(config: { databaseUrl: string | undefined; dataDir: string; sqliteSynchronous: SqliteSynchronous }): StoreOptions {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', file: path.join(config.dataDir, 'gatehouse.sqlite'), synchronous: config.sqliteSynchronous };
}

const SQLITE_CACHE_KIB = 64 * 1024;

export function openStore(options: StoreOptions): Store {
  if (options.kind === 'sqlite') {
    fs.mkdirSync(path.dirname(options.file), { recursive: true, mode: 0o700 });
    const database = new SQLite(options.file);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    // SQLite's default page cache is 2 MiB: at 100k users the indexes a create touches (emails,
    // search trigrams, events) no longer fit, and every insert re-reads pages through the OS.
    // 64 MiB is an upper bound, allocated only as pages are used.
    database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    const dataVersion = database.prepare('pragma data_version').pluck();
    const changes = sqliteChangeFeed(() => dataVersion.get() as number);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }), plugins: [announcing(changes)] });
    return makeStore(db, 'sqlite', changes, options.synchronous === 'normal' ? undefined : 'FULL');
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const changes = postgresChangeFeed({ connectionString: options.url, application_name: CHANGE_FEED_APPLICATION_NAME });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: poolWithNamedStatements(pool) }), plugins: [announcing(changes)] });
  return makeStore(db, 'postgres', changes);
}

/** Every write this process makes through Kysely reaches in-memory caches as soon as it has run. */
function announcing(changes: ChangeFeed): WriteAnnouncer {
  return new WriteAnnouncer((change) => changes.announce(change));
}

/** `syncedLevel`: SQLite's synchronous level, when its commits sync the disk (a provisional write lowers it). */
function makeStore(db: Kysely<Database>, dialect: Dialect, changes: ChangeFeed, syncedLevel?: 'FULL'): Store {
  return {
    db,
    dialect,
    changes,
    // A reader may copy rows between a statement and its commit; telling caches again once the
    // transaction has ended leaves no stale copy behind.
    async transaction(work) {
      const made = new Map<string, TableChange | undefined>();
      const remember = (change: TableChange | undefined) => made.set(change ? `${change.table} ${change.kind} ${change.columns?.join(',') ?? ''}` : '', change);
      try {
        return await db.transaction().execute((trx) => work(trx.withPlugin(new WriteAnnouncer(remember))));
      } finally {
        for (const change of made.values()) changes.announce(change);
      }
    },
    async provisional(work) {
      if (!syncedLevel) return work(db);
      // One SQLite connection: while it is held here, no other commit can run under the lower level.
      return db.connection().execute(async (connection) => {
        await sql`pragma synchronous = NORMAL`.execute(connection);
        try {
          return await work(connection);
        } finally {
          await sql.raw(`pragma synchronous = ${syncedLevel}`).execute(connection);
        }
      });
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await changes.close();
      await db.destroy();
    },
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every SQLite statement afresh; preparing costs more than running the indexed
 * lookups this server mostly does. Statements are reused by SQL text (least recently used out).
 * Safe because Kysely runs one SQLite query at a time and never streams here.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement) {
        cache.delete(sqlText);
      } else {
        statement = database.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(sqlText, statement);
      return statement;
    },
  };
}
