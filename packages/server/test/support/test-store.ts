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
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    options: { kind: 'postgres', url, searchPath: `${schema},public`, poolSize: 5 },
    dataDir,
    env: { GATEHOUSE_DATA_DIR: dataDir, DATABASE_URL: withSearchPath(url, `${schema},public`) },
    async dispose() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** libpq's `options` parameter, understood by node-postgres too: every session starts in `searchPath`. */
function withSearchPath(url: string, searchPath: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${searchPath}`);
  return u.toString();
}
