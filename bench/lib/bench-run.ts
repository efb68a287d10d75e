/**
 * What every bench does around its measurements: describe the machine, run once per throwaway
 * store (SQLite, then PostgreSQL when reachable), and write the results file.
 */
import fs from 'node:fs';
import os from 'node:os';
import { sql } from 'kysely';
import type { Store } from '../../packages/server/src/store/db.js';
import { postgresStore, sqliteStore, type ThrowawayStore } from './throwaway-store.js';

export const log = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  uvThreadpoolSize: number;
}

/** libuv's thread pool size: UV_THREADPOOL_SIZE (bench/run.ts sets it as the server's launcher would), else libuv's default of 4. */
export function uvThreadpoolSize(): number {
  return Number(process.env.UV_THREADPOOL_SIZE ?? 4);
}

export function machineInfo(): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    uvThreadpoolSize: uvThreadpoolSize(),
  };
}

/** The machine as each bench's first line names it. */
export function machineText(machine: Machine): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, libuv thread pool ${machine.uvThreadpoolSize}`;
}

export interface Skipped {
  store: string;
  skipped: string;
}

/** Runs `bench` on each store named in `stores`, disposing of every store afterwards. */
export async function forEachStore<R>(stores: ReadonlySet<string>, databaseUrl: string, bench: (target: ThrowawayStore) => Promise<R>): Promise<(R | Skipped)[]> {
  const results: (R | Skipped)[] = [];
  if (stores.has('sqlite')) {
    const target = sqliteStore();
    try {
      results.push(await bench(target));
    } finally {
      await target.dispose();
    }
  }
  if (stores.has('postgresql')) {
    const outcome = await postgresStore(databaseUrl);
    if ('skipped' in outcome) {
      log(`\npostgresql: skipped (${outcome.skipped})`);
      results.push({ store: 'postgresql', skipped: outcome.skipped });
    } else {
      try {
        results.push(await bench(outcome.store));
      } finally {
        await outcome.store.dispose();
      }
    }
  }
  return results;
}

/** Writes bench/results/<bench>-<timestamp>.json (git-ignored) and says where. */
export function writeResults(bench: string, startedAt: Date, body: Record<string, unknown>): void {
  const dir = new URL('../results/', import.meta.url);
  fs.mkdirSync(dir, { recursive: true });
  const file = new URL(`${bench}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, dir);
  fs.writeFileSync(file, `${JSON.stringify({ bench, startedAt: startedAt.toISOString(), ...body }, null, 2)}\n`);
  log(`\nresults written to ${file.pathname}`);
}

/** Settings as the results file records them: the set of stores as a list. */
export function jsonSettings<S extends { stores: ReadonlySet<string> }>(settings: S): Omit<S, 'stores'> & { stores: string[] } {
  const { stores, ...rest } = settings;
  return { ...rest, stores: [...stores] };
}

/** "SQLite 3.x" or "PostgreSQL 16.x": which engine a store's figures are for. */
export async function storeVersion(store: Store): Promise<string> {
  if (store.dialect === 'postgres') {
    const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(store.db);
    return `PostgreSQL ${rows[0]?.v ?? '?'}`;
  }
  const { rows } = await sql<{ v: string }>`select sqlite_version() as v`.execute(store.db);
  return `SQLite ${rows[0]?.v ?? '?'}`;
}
