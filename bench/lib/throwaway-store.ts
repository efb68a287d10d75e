/**
 * Disposable stores for benches: a SQLite file in a fresh temp dir, or a fresh PostgreSQL
 * database (a fresh schema when the role may not create databases), dropped afterwards.
 * Nothing outside them is touched.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../packages/server/src/config.js';
import type { StoreOptions } from '../../packages/server/src/store/db.js';

export interface ThrowawayStore {
  label: 'sqlite' | 'postgresql';
  options: StoreOptions;
  /** GATEHOUSE_DATA_DIR for the server; also holds the SQLite file. */
  dataDir: string;
  /** How the store is isolated, for the report. */
  note: string;
  /** PostgreSQL backend processes currently serving this store (their CPU is the server's too). */
  backendPids(): Promise<number[]>;
  dispose(): Promise<void>;
}

/**
 * The config a server on this store runs with (any port, silent, rate limits off: a bench is one
 * client asking as fast as it can, which the limits exist to refuse); `env` adds settings.
 */
export function serverConfig(target: ThrowawayStore, env: Record<string, string> = {}): Config {
  return loadConfig({ PORT: '0', GATEHOUSE_DATA_DIR: target.dataDir, GATEHOUSE_LOG_LEVEL: 'silent', GATEHOUSE_RATE_LIMITS: 'off', ...env });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
}

export function sqliteStore(): ThrowawayStore {
  const dataDir = tempDir();
  const file = path.join(dataDir, 'gatehouse.sqlite');
  return {
    label: 'sqlite',
    // Synced as the server would sync it with the same environment (GATEHOUSE_SQLITE_SYNCHRONOUS).
    options: { kind: 'sqlite', file, synchronous: loadConfig(process.env).sqliteSynchronous },
    dataDir,
    note: `temp file ${file}`,
    backendPids: async () => [],
    dispose: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export type PostgresOutcome = { store: ThrowawayStore } | { skipped: string };

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  // A refused or dropped connection also emits 'error' on the client; unheard, it would crash.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A throwaway database, or why there is none. A database rather than a schema because Kysely's
 * Migrator decides whether its bookkeeping tables exist by looking at every schema: any other
 * Gatehouse schema in the same database (a test run's, say) makes a fresh schema's migration
 * fail with `relation "schema_migrations_lock" does not exist`. Benches only talk to this
 * machine, so a URL pointing anywhere but loopback is refused rather than loaded.
 */
export async function postgresStore(url: string): Promise<PostgresOutcome> {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return { skipped: 'invalid URL' };
  }
  if (!LOOPBACK_HOSTS.has(host) && !host.startsWith('127.')) return { skipped: `not a loopback host (${host})` };
  const name = `gatehouse_bench_${randomBytes(6).toString('hex')}`;
  let created: 'database' | 'schema';
  try {
    created = await withClient(url, async (admin) => {
      try {
        await admin.query(`create database ${name}`);
        return 'database';
      } catch (error) {
        if ((error as { code?: unknown }).code !== '42501') throw error;
        await admin.query(`create schema ${name}`);
        return 'schema';
      }
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { skipped: code === undefined || code === 'ECONNREFUSED' || code === 'ETIMEDOUT' ? 'unreachable' : `setup failed: ${String(error)}` };
  }
  const dataDir = tempDir();
  const storeUrl = new URL(url);
  if (created === 'database') storeUrl.pathname = `/${name}`;
  // Tagging every connection of this store lets the bench find its backends in pg_stat_activity.
  storeUrl.searchParams.set('application_name', name);
  return {
    store: {
      label: 'postgresql',
      options:
        created === 'database'
          ? { kind: 'postgres', url: storeUrl.toString() }
          : // `public` stays on the path because pg_trgm's operator classes live there.
            { kind: 'postgres', url: storeUrl.toString(), searchPath: `${name},public` },
      dataDir,
      note: `temp ${created} ${name}`,
      backendPids: () =>
        withClient(url, async (client) => {
          const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [name]);
          return rows.map((r) => r.pid);
        }),
      async dispose() {
        try {
          await withClient(url, (client) =>
            client.query(created === 'database' ? `drop database if exists ${name} with (force)` : `drop schema if exists ${name} cascade`),
          );
        } finally {
          fs.rmSync(dataDir, { recursive: true, force: true });
        }
      },
    },
  };
}
