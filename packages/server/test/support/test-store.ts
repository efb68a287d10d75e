import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Dialect, StoreOptions } from '../../src/store/db.js';

/** Which store this run exercises: PostgreSQL when GATEHOUSE_TEST_DATABASE_URL is set, else SQLite. */
export const TEST_DIALECT: Dialect = process.env.GATEHOUSE_TEST_DATABASE_URL ? 'postgres' : 'sqlite';

export interface TestStore {
  options: StoreOptions;
  dataDir: string;
  /** The environment a `gatehouse` child process needs to open this same store. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** A fresh, empty store: a temp SQLite file, or a throwaway schema in the test PostgreSQL database. */
export async function createTestStore(): Promise<TestStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  const url = process.env.GATEHOUSE_TEST_DATABASE_URL;
  if (!url) {
    return {
      options: { kind: 'sqlite', file: path.join(dataDir, 'gatehouse.sqlite') },
      dataDir,
      env: { GATEHOUSE_DATA_DIR: dataDir },
      dispose: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await withAdmin(url, (admin) => admin.query(`create schema ${schema}`));
  // Every connection to this store, in this process or a child, names itself after the schema, so
  // what a test leaves connected can be ended before the schema is dropped.
  const storeUrl = postgresStoreUrl(url, schema);
  return {
    options: { kind: 'postgres', url: storeUrl, searchPath: `${schema},public`, poolSize: 5 },
    dataDir,
    env: { GATEHOUSE_DATA_DIR: dataDir, DATABASE_URL: storeUrl },
    async dispose() {
      await withAdmin(url, async (admin) => {
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [schema]);
        // A lock a leftover session still holds fails the drop in time instead of waiting forever.
        await admin.query("set lock_timeout = '20s'");
        await admin.query(`drop schema if exists ${schema} cascade`);
      });
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin<T>(url: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 20_000 });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * The store's URL: every session starts in its schema (libpq's `options`, understood by
 * node-postgres too) and is named after it.
 */
export function postgresStoreUrl(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema},public`);
  u.searchParams.set('application_name', schema);
  return u.toString();
}
