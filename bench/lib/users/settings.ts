/** The users bench's settings, from the environment. */
import { uvThreadpoolSize } from '../bench-run.js';
import { databaseUrlSetting, intSetting, storesSetting } from '../settings.js';

export interface Settings {
  users: number;
  readSeconds: number;
  readWarmupSeconds: number;
  createSeconds: number;
  createWarmupSeconds: number;
  createRounds: number;
  readConnections: number;
  createConnections: number;
  databaseUrl: string;
  stores: Set<string>;
  explainAll: boolean;
  quietWaitSeconds: number;
}

export function readSettings(): Settings {
  return {
    users: intSetting('GATEHOUSE_BENCH_USERS', 100_000, 100, 300_000),
    readSeconds: intSetting('GATEHOUSE_BENCH_SECONDS', 5, 1, 120),
    // A fresh server runs its read path unoptimized at first. On a 2-core AMD EPYC VM, lookups by
    // email on PostgreSQL, one at a time in blocks of 500, measured p95 6.45, 6.98, 5.50, 4.39,
    // 3.31, 3.06, 2.39 and 2.36 ms, while the server process's CPU per request fell from 2.42 to
    // 0.88 ms: about 3,000 requests before V8 had optimized it. The 300 discarded at the start of
    // each row were not enough for the first rows (lookup p95 6.19-6.36 ms on PostgreSQL, 2.30 on
    // SQLite; with this warm-up 3.04 and 1.03).
    readWarmupSeconds: intSetting('GATEHOUSE_BENCH_READ_WARMUP_SECONDS', 15, 0, 300),
    createSeconds: intSetting('GATEHOUSE_BENCH_CREATE_SECONDS', 10, 1, 120),
    // The read rows leave the create path cold: V8 optimizes its functions only after a few
    // thousand creates. From a cold start, successive 8 s windows measured 157, 172, 177 and 178
    // creates/s (2-core AMD EPYC, SQLite); with V8's optimizing compiler off, a flat 158-165.
    // A few dozen warm-up requests timed the compiler, not the server a long-running process is.
    createWarmupSeconds: intSetting('GATEHOUSE_BENCH_CREATE_WARMUP_SECONDS', 20, 0, 300),
    createRounds: intSetting('GATEHOUSE_BENCH_CREATE_ROUNDS', 5, 1, 20),
    readConnections: intSetting('GATEHOUSE_BENCH_CONNECTIONS', 10, 1, 200),
    // Four per libuv hashing thread (the raw rate is measured at the same number in flight):
    // while some requests are outside argon2id (parsing, policy, SQL, the reply) the others must
    // still keep every thread hashing, or the ratio measures the load's gaps rather than the
    // server's cost. With one per thread up to a tenth of the cores sat idle; with two per thread
    // on the 2-core machine (2 threads), still 5-10 % (1.76-1.87 cores busy against 1.95 hashing).
    createConnections: intSetting('GATEHOUSE_BENCH_CREATE_CONNECTIONS', uvThreadpoolSize() * 4, 1, 1000),
    databaseUrl: databaseUrlSetting(),
    stores: storesSetting(),
    explainAll: process.env.GATEHOUSE_BENCH_EXPLAIN === '1',
    quietWaitSeconds: intSetting('GATEHOUSE_BENCH_QUIET_WAIT', 60, 0, 3600),
  };
}
