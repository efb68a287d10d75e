/**
 * The embedded store acknowledges a commit only once it is on disk (WAL with synchronous=FULL),
 * unless the operator asks for the faster mode by name. These open SQLite files of their own, so
 * they run the same on the PostgreSQL pass.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore, storeOptionsFrom } from '../../src/store/db.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-durability-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function pragmasOf(env: Record<string, string>): Promise<{ journal: string; synchronous: number }> {
  const dataDir = fs.mkdtempSync(path.join(dir, 'store-'));
  const store = openStore(storeOptionsFrom(loadConfig({ GATEHOUSE_DATA_DIR: dataDir, ...env })));
  try {
    const journal = (await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db)).rows[0]?.journal_mode ?? '';
    const synchronous = (await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db)).rows[0]?.synchronous ?? -1;
    return { journal, synchronous };
  } finally {
    await store.close();
  }
}

describe('SQLite durability', () => {
  it('syncs the write-ahead log at every commit by default (synchronous=FULL)', async () => {
    expect(await pragmasOf({})).toEqual({ journal: 'wal', synchronous: 2 });
  });

  it('syncs only at checkpoints when GATEHOUSE_SQLITE_SYNCHRONOUS=normal is chosen', async () => {
    expect(await pragmasOf({ GATEHOUSE_SQLITE_SYNCHRONOUS: 'normal' })).toEqual({ journal: 'wal', synchronous: 1 });
  });

  it('refuses any other value at start, naming the setting', () => {
    expect(() => loadConfig({ GATEHOUSE_SQLITE_SYNCHRONOUS: 'off' })).toThrow(/GATEHOUSE_SQLITE_SYNCHRONOUS/);
  });
});
