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

  it('writes a provisional change unsynced, visible at once, and every commit around it synced again', async () => {
    const dataDir = fs.mkdtempSync(path.join(dir, 'store-'));
    const options = storeOptionsFrom(loadConfig({ GATEHOUSE_DATA_DIR: dataDir }));
    const store = openStore(options);
    const other = openStore(options);
    const level = async () => (await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db)).rows[0]?.synchronous;
    try {
      await sql`create table counter (n integer not null)`.execute(store.db);
      await sql`insert into counter values (0)`.execute(store.db);
      // A commit queued behind the provisional write must not run at the lowered level.
      const [seenInside] = await Promise.all([
        store.provisional(async (db) => {
          await sql`update counter set n = n + 1`.execute(db);
          return (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous;
        }),
        store.transaction(async (trx) => {
          await sql`update counter set n = n + 10`.execute(trx);
          return (await sql<{ synchronous: number }>`pragma synchronous`.execute(trx)).rows[0]?.synchronous;
        }).then((inTransaction) => expect(inTransaction).toBe(2)),
      ]);
      expect(seenInside).toBe(1);
      expect(await level()).toBe(2);
      expect((await sql<{ n: number }>`select n from counter`.execute(other.db)).rows[0]?.n).toBe(11);
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('refuses any other value at start, naming the setting', () => {
    expect(() => loadConfig({ GATEHOUSE_SQLITE_SYNCHRONOUS: 'off' })).toThrow(/GATEHOUSE_SQLITE_SYNCHRONOUS/);
  });
});
