/**
 * Users bench: seeds a throwaway store (SQLite, then PostgreSQL when reachable) with N users,
 * starts the built `gatehouse` executable on it as a process of its own and measures, over HTTP
 * on loopback, the user list/search/count endpoints and user creation against targets:
 *   lookup by email p95 < 5 ms · query search p95 < 50 ms · creates/s ≥ 0.8 × raw argon2id hashes/s
 *
 * Settings (environment): GATEHOUSE_BENCH_USERS (100000), GATEHOUSE_BENCH_DATABASE_URL
 * (postgres://root@127.0.0.1:5432/test), GATEHOUSE_BENCH_SECONDS per read phase (5),
 * GATEHOUSE_BENCH_CREATE_SECONDS (10), GATEHOUSE_BENCH_CREATE_WARMUP_SECONDS (20), GATEHOUSE_BENCH_CREATE_ROUNDS (5),
 * GATEHOUSE_BENCH_CREATE_CONNECTIONS (4 × libuv threads),
 * GATEHOUSE_BENCH_CONNECTIONS for reads (10),
 * GATEHOUSE_BENCH_STORES (sqlite,postgresql), GATEHOUSE_BENCH_EXPLAIN=1 to print every plan,
 * GATEHOUSE_BENCH_QUIET_WAIT: seconds each phase may wait for other processes to go quiet (60).
 */
import { performance } from 'node:perf_hooks';
import { hashPassword } from '../packages/server/src/crypto/password/index.js';
import { normalizePassword } from '../packages/server/src/domain/passwords/password-policy.js';
import { prepareStore } from '../packages/server/src/server.js';
import type { Store } from '../packages/server/src/store/db.js';
import { forEachStore, jsonSettings, log, machineInfo, storeVersion, writeResults } from './lib/bench-run.js';
import { contended, MAX_ATTEMPTS } from './lib/contention.js';
import { countExitedChildrenOf, parentOf } from './lib/cpu.js';
import { captureQueries, explain, readableSql } from './lib/explain.js';
import { checkAnswers } from './lib/preflight.js';
import { measureRead, readVerdicts, timeInProcess, warmUpReads, type ReadSetup } from './lib/read-rows.js';
import { seedUsers, type SeedReport } from './lib/seed-users.js';
import { startServerProcess } from './lib/server-process.js';
import { fmt } from './lib/stats.js';
import { serverConfig, type ThrowawayStore } from './lib/throwaway-store.js';
import { assertPhonesValid, generateUsers, type SeedUser } from './lib/user-data.js';
import { logOverallVerdict, type Verdict } from './lib/verdicts.js';
import { CREATE_TARGET_RATIO, measureCreates, type CreateResult, type Harness } from './lib/users/create-phase.js';
import { printStore, type ReadRow } from './lib/users/report.js';
import { buildScenarios, preflightSample, runCall, wrongAnswer } from './lib/users/request-mixes.js';
import { readSettings, type Settings } from './lib/users/settings.js';

interface StoreResult {
  store: string;
  version: string;
  seed: SeedReport;
  reads: ReadRow[];
  create: CreateResult;
  verdicts: Verdict[];
}

async function benchStore(target: ThrowawayStore, users: readonly SeedUser[], digest: string, settings: Settings): Promise<StoreResult> {
  log(`\n=== ${target.label}: ${users.length.toLocaleString('en-US')} users (${target.note}) ===`);
  // The bench's own connection: it seeds, and runs the in-process rows beside the server process.
  const store = await prepareStore(target.options);
  try {
    return await benchSeededStore(target, store, users, digest, settings);
  } finally {
    await store.close();
  }
}

async function benchSeededStore(target: ThrowawayStore, store: Store, users: readonly SeedUser[], digest: string, settings: Settings): Promise<StoreResult> {
  const version = await storeVersion(store);
  let lastShown = 0;
  const seed = await seedUsers(store, users, digest, {
    batchSize: 1000,
    onProgress: (done) => {
      if (done - lastShown >= 25_000 || done === users.length) {
        lastShown = done;
        log(`  seeded ${done.toLocaleString('en-US')}`);
      }
    },
  });
  log(
    `${version}. Seeded ${seed.users.toLocaleString('en-US')} users (${seed.phones.toLocaleString('en-US')} with phone, ` +
      `${seed.usernames.toLocaleString('en-US')} with username) in ${fmt(seed.insertMs / 1000)} s ` +
      `(${fmt(seed.usersPerSecond, 0)} users/s, ${seed.batchSize} per transaction); ` +
      `${target.label === 'sqlite' ? 'ANALYZE' : 'VACUUM ANALYZE'} ${fmt(seed.analyzeMs / 1000)} s`,
  );
  log(
    `search lines: ${seed.searchCheck.sampled} sampled, ${seed.searchCheck.mismatches} differ from refreshUserSearch; ` +
      `refreshUserSearch costs ${fmt(seed.searchCheck.refreshMsPerUser, 2)} ms/user (≈ ${fmt(seed.searchCheck.projectedRefreshAllSeconds)} s for all)`,
  );
  if (seed.searchCheck.mismatches > 0) throw new Error('bulk-built user_search lines differ from refreshUserSearch: update user-data.ts');

  const config = serverConfig(target);
  const serverProcess = await startServerProcess(target);
  try {
    const server = { url: serverProcess.url, store };
    const secret = serverProcess.secretKey;
    const scenarios = buildScenarios(users);
    for (const scenario of scenarios) await checkAnswers({ url: server.url, secret }, scenario.key, preflightSample(scenario), wrongAnswer);
    log(`server: the gatehouse executable, pid ${serverProcess.pid}, at ${server.url}; preflight answers correct for ${scenarios.length} request mixes`);

    // This process counts with the server: it hashes the raw reference, and is otherwise idle while load runs.
    const serverPids = async () => [process.pid, serverProcess.pid, ...(await target.backendPids())];
    const h: Harness = { server, config, secret, settings, digest, serverPids };
    const setup: ReadSetup = {
      url: server.url,
      secret,
      connections: settings.readConnections,
      seconds: settings.readSeconds,
      quietWaitSeconds: settings.quietWaitSeconds,
      attempts: MAX_ATTEMPTS,
      serverPids,
    };
    // PostgreSQL's parallel query workers work for the server too; they are the postmaster's children.
    const [backend] = await target.backendPids();
    countExitedChildrenOf(backend === undefined ? undefined : parentOf(backend));
    if (settings.readWarmupSeconds > 0) {
      const warmed = await warmUpReads(setup, scenarios, settings.readWarmupSeconds);
      log(`  warm-up: ${warmed.toLocaleString('en-US')} requests over the ${scenarios.length} request mixes in ${settings.readWarmupSeconds} s, discarded`);
    }
    const reads: ReadRow[] = [];
    for (const scenario of scenarios) {
      const r = await measureRead(setup, scenario);
      const c = r.contention;
      log(
        `  ${scenario.label}: ${fmt(r.reqPerSec, 0)} req/s, p95 ${fmt(r.latency.p95, 2)} ms ` +
          `(cores: server ${fmt(c.cpu.server, 2)}, client ${fmt(c.cpu.client, 2)}, other ${fmt(c.cpu.other, 2)}; waited ${fmt(c.before.waitedSeconds, 0)} s for quiet; attempts ${r.attempts})`,
      );
      reads.push(r);
    }
    log('  create users + raw argon2id…');
    const create = await measureCreates(h);

    // After the load, with the server idle: service times and plans for the same requests.
    for (const [i, scenario] of scenarios.entries()) {
      const r = reads[i];
      const first = scenario.items[0];
      if (!r || !first) continue;
      r.inProcessMs = await timeInProcess(scenario.items, (item) => runCall(store, config, item.call));
      const [query] = await captureQueries(store, (captured) => runCall(captured, config, first.call));
      if (query) r.plan = { sql: readableSql(query), lines: await explain(store, query) };
    }

    const verdicts = [
      ...readVerdicts(reads, (r) => `p95 ${fmt(r.latency.p95, 2)} ms`),
      {
        target: `create ≥ ${CREATE_TARGET_RATIO} × raw hash rate`,
        measured: `${fmt(create.perSecond)} / ${fmt(create.hash.perSecond)} = ${fmt(create.ratio, 2)}`,
        pass: create.pass,
        contended: contended(create.contention) || contended(create.hash.contention),
      },
    ];
    printStore(target.label, reads, create, verdicts, settings);
    return { store: target.label, version, seed, reads, create, verdicts };
  } finally {
    countExitedChildrenOf(undefined);
    await serverProcess.close();
  }
}

// ---------------------------------------------------------------------------------------------

export async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = new Date();
  const machine = machineInfo();
  log(`users bench — ${settings.users.toLocaleString('en-US')} users; ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  assertPhonesValid();
  const generateStarted = performance.now();
  // The newest seeded user is a day old, so users created during the bench sort after every one.
  const users = generateUsers({ count: settings.users, newestAt: Date.now() - 86_400_000 });
  // One argon2id digest shared by every seeded user: 100k real hashes would take over an hour.
  const digest = await hashPassword(normalizePassword('seeded users share this passphrase'));
  log(`generated in ${fmt((performance.now() - generateStarted) / 1000)} s`);

  const results = await forEachStore(settings.stores, settings.databaseUrl, (target) => benchStore(target, users, digest, settings));

  writeResults('users', startedAt, { machine, settings: jsonSettings(settings), results });
  logOverallVerdict(results);
}
