import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterSQLite, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitName, RateLimitSettings } from '../config.js';
import type { StoreOptions } from '../store/db.js';

/**
 * Where the Frontend API's limits are counted. `memory`: this process alone. `store`: beside the
 * store, so every process on it shares the counts — SQLite in a file of its own next to the data
 * (counts need no durability, so it never waits for the disk), PostgreSQL in a table. `redis`:
 * in Redis (`REDIS_URL`). Keys carry the instance id, so instances can share a Redis.
 */
export type RateLimitStore =
  | { kind: 'memory' }
  | { kind: 'store'; store: StoreOptions; instanceId: string }
  | { kind: 'redis'; url: string; instanceId: string };

export interface Limiters {
  get(name: RateLimitName): RateLimiterAbstract | undefined;
  close(): Promise<void>;
}

/** The limiters, opened on first use and shared by every API of the server (one set of connections). */
export interface SharedLimiters {
  open(): Promise<Limiters>;
  close(): Promise<void>;
}

export function sharedLimiters(settings: RateLimitSettings, where: RateLimitStore): SharedLimiters {
  let opened: Promise<Limiters> | undefined;
  return {
    open: () => (opened ??= openLimiters(settings, where)),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}

const TABLE = 'gatehouse_rate_limits';

/** A limiter whose constructor reports, through `done`, when its table is ready (maybe before it returns). */
function whenReady(make: (done: (error?: unknown) => void) => RateLimiterAbstract): Promise<RateLimiterAbstract> {
  return new Promise((resolve, reject) => {
    const made: { limiter?: RateLimiterAbstract; outcome?: { error?: unknown } } = {};
    const settle = () => {
      const error = made.outcome?.error;
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(made.limiter!);
    };
    made.limiter = make((error) => {
      made.outcome = { error };
      if (made.limiter) settle();
    });
    if (made.outcome) settle();
  });
}

/**
 * The limiters for each named limit, on `where`. A shared counter that fails (Redis down, say)
 * falls back to counting in memory for that request rather than failing it or letting it through
 * unlimited.
 */
export async function openLimiters(settings: RateLimitSettings, where: RateLimitStore): Promise<Limiters> {
  const entries = Object.entries(settings.limits) as [RateLimitName, { points: number; seconds: number }][];
  const memory = (name: RateLimitName, limit: { points: number; seconds: number }) => new RateLimiterMemory({ keyPrefix: name, points: limit.points, duration: limit.seconds });
  const limiters = new Map<RateLimitName, RateLimiterAbstract>();
  let close = async () => undefined as void;
  if (where.kind === 'memory') {
    for (const [name, limit] of entries) limiters.set(name, memory(name, limit));
  } else if (where.kind === 'redis') {
    const client = new Redis(where.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    // Errors surface per request (and fall back to memory); the client reconnects on its own.
    client.on('error', () => undefined);
    // Serve with Redis from the first request when it is up; start without it when it is not.
    await client.connect().catch(() => undefined);
    for (const [name, limit] of entries) {
      limiters.set(name, new RateLimiterRedis({ storeClient: client, keyPrefix: `gatehouse:${where.instanceId}:${name}`, points: limit.points, duration: limit.seconds, insuranceLimiter: memory(name, limit) }));
    }
    close = async () => {
      client.disconnect();
    };
  } else if (where.store.kind === 'sqlite') {
    const database = new SQLite(path.join(path.dirname(where.store.file), 'rate-limits.sqlite'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = OFF');
    database.pragma('busy_timeout = 2000');
    for (const [name, limit] of entries) {
      limiters.set(
        name,
        await whenReady((done) => new RateLimiterSQLite({ storeClient: database, storeType: 'better-sqlite3', tableName: TABLE, keyPrefix: `${where.instanceId}:${name}`, points: limit.points, duration: limit.seconds, insuranceLimiter: memory(name, limit) }, done)),
      );
    }
    close = async () => {
      database.close();
    };
  } else {
    const pool = new pg.Pool({ connectionString: where.store.url, max: 2, ...(where.store.searchPath ? { options: `-c search_path=${where.store.searchPath}` } : {}) });
    pool.on('error', () => undefined);
    // One at a time: concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL's catalog.
    for (const [name, limit] of entries) {
      limiters.set(
        name,
        await whenReady((done) => new RateLimiterPostgres({ storeClient: pool, tableName: TABLE, keyPrefix: `${where.instanceId}:${name}`, points: limit.points, duration: limit.seconds, insuranceLimiter: memory(name, limit) }, done)),
      );
    }
    close = () => pool.end();
  }
  return { get: (name) => limiters.get(name), close };
}
