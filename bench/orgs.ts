/**
 * Organizations bench: seeds a throwaway store (SQLite, then PostgreSQL when reachable) with
 * 11,000 users, one organization of 10,000 members and 1,000 organizations that one "hub" user
 * belongs to, starts a real server on it and measures, over HTTP on loopback, the membership and
 * organization list endpoints against the target:
 *   org member list (default order) p95 < 20 ms · a user's memberships p95 < 20 ms
 *
 * Settings (environment): GATEHOUSE_BENCH_DATABASE_URL (postgres://root@127.0.0.1:5432/test),
 * GATEHOUSE_BENCH_SECONDS per phase (5), GATEHOUSE_BENCH_CONNECTIONS (10),
 * GATEHOUSE_BENCH_STORES (sqlite,postgresql), GATEHOUSE_BENCH_EXPLAIN=1 to print every plan,
 * GATEHOUSE_BENCH_QUIET_WAIT: seconds each phase may wait for other processes to go quiet (60),
 * GATEHOUSE_BENCH_ATTEMPTS: times a phase is repeated while other processes compete for the CPU (3).
 */
import { hashPassword } from '../packages/server/src/crypto/password/index.js';
import { normalizePassword } from '../packages/server/src/domain/passwords/password-policy.js';
import { prepareStore } from '../packages/server/src/server.js';
import { forEachStore, jsonSettings, log, machineInfo, storeVersion, writeResults } from './lib/bench-run.js';
import { captureQueries, explain, readableSql } from './lib/explain.js';
import { startInProcessServer } from './lib/in-process-server.js';
import { seedOrganizations, ROWS_PER_STATEMENT, type OrgSeedReport } from './lib/orgs/seed-organizations.js';
import { buildScenarios, deepest, preflightSample, runCall, wrongAnswer } from './lib/orgs/request-mixes.js';
import { buildWorld, BIG_ORG_MEMBERS, HUB_ORGS, USERS, type OrgWorld } from './lib/orgs/world.js';
import { checkAnswers } from './lib/preflight.js';
import { measureRead, readTable, readVerdicts, timeInProcess, type ReadResult } from './lib/read-rows.js';
import { seedUsers, type SeedReport } from './lib/seed-users.js';
import { databaseUrlSetting, intSetting, storesSetting } from './lib/settings.js';
import { fmt } from './lib/stats.js';
import type { ThrowawayStore } from './lib/throwaway-store.js';
import { generateUsers, type SeedUser } from './lib/user-data.js';
import { logOverallVerdict, logVerdicts, type Verdict } from './lib/verdicts.js';

// ---------------------------------------------------------------------------------------------
// Settings

interface Settings {
  readSeconds: number;
  readConnections: number;
  databaseUrl: string;
  stores: Set<string>;
  explainAll: boolean;
  quietWaitSeconds: number;
  attempts: number;
}

function readSettings(): Settings {
  return {
    readSeconds: intSetting('GATEHOUSE_BENCH_SECONDS', 5, 1, 120),
    readConnections: intSetting('GATEHOUSE_BENCH_CONNECTIONS', 10, 1, 200),
    databaseUrl: databaseUrlSetting(),
    stores: storesSetting(),
    explainAll: process.env.GATEHOUSE_BENCH_EXPLAIN === '1',
    quietWaitSeconds: intSetting('GATEHOUSE_BENCH_QUIET_WAIT', 60, 0, 3600),
    attempts: intSetting('GATEHOUSE_BENCH_ATTEMPTS', 3, 1, 10),
  };
}

// ---------------------------------------------------------------------------------------------
// One store, end to end

interface Plan {
  sql: string;
  lines: string[];
}

/** A read row, with every query the deepest request of the mix runs, and its plan. */
type ReadRow = ReadResult & { plans?: { path: string; queries: Plan[] } };

interface StoreResult {
  store: string;
  version: string;
  seed: { users: SeedReport; organizations: OrgSeedReport };
  bigOrgId: string;
  hubUserId: string;
  reads: ReadRow[];
  verdicts: Verdict[];
}

async function benchStore(target: ThrowawayStore, users: readonly SeedUser[], world: OrgWorld, digest: string, settings: Settings): Promise<StoreResult> {
  log(`\n=== ${target.label}: ${target.note} ===`);
  const seedStore = await prepareStore(target.options);
  let userSeed: SeedReport;
  let orgSeed: OrgSeedReport;
  let version: string;
  try {
    version = await storeVersion(seedStore);
    userSeed = await seedUsers(seedStore, users, digest, { batchSize: ROWS_PER_STATEMENT });
    if (userSeed.searchCheck.mismatches > 0) throw new Error('bulk-built user_search lines differ from refreshUserSearch: update bench/lib/user-data.ts');
    orgSeed = await seedOrganizations(seedStore, world);
  } finally {
    await seedStore.close();
  }
  log(
    `${version}. Seeded ${userSeed.users.toLocaleString('en-US')} users (+ email and user_search rows; ${userSeed.searchCheck.sampled} search lines ` +
      `checked against refreshUserSearch, ${userSeed.searchCheck.mismatches} differ) in ${fmt(userSeed.insertMs / 1000)} s, ` +
      `${orgSeed.organizations.toLocaleString('en-US')} organizations and ${orgSeed.memberships.toLocaleString('en-US')} memberships in ` +
      `${fmt(orgSeed.insertMs / 1000)} s (${orgSeed.rowsPerStatement} rows per statement); ` +
      `${target.label === 'sqlite' ? 'ANALYZE' : 'VACUUM ANALYZE'} ${fmt((userSeed.analyzeMs + orgSeed.analyzeMs) / 1000)} s`,
  );

  const { config, server, secret } = await startInProcessServer(target);
  try {
    const scenarios = buildScenarios(world, users);
    for (const scenario of scenarios) await checkAnswers({ url: server.url, secret }, scenario.key, preflightSample(scenario), wrongAnswer);
    log(`server ${server.url}; big org ${world.bigOrg.id}, hub user ${world.hub.id}; preflight answers correct for ${scenarios.length} request mixes`);

    const reads: ReadRow[] = [];
    for (const scenario of scenarios) {
      const r = await measureRead(
        {
          url: server.url,
          secret,
          connections: settings.readConnections,
          seconds: settings.readSeconds,
          quietWaitSeconds: settings.quietWaitSeconds,
          attempts: settings.attempts,
          // This process plus the PostgreSQL backends serving it right now.
          serverPids: async () => [process.pid, ...(await target.backendPids())],
        },
        scenario,
      );
      const c = r.contention;
      log(
        `  ${scenario.label} @${r.connections}: ${fmt(r.reqPerSec, 0)} req/s, p95 ${fmt(r.latency.p95, 2)} ms ` +
          `(cores: server ${fmt(c.cpu.server, 2)}, client ${fmt(c.cpu.client, 2)}, other ${fmt(c.cpu.other, 2)}; waited ${fmt(c.before.waitedSeconds, 0)} s for quiet` +
          `${r.attempts > 1 ? `; best of ${r.attempts} attempts` : ''})`,
      );
      reads.push(r);
    }

    // After the load, with the server idle: service times, and plans for every query the
    // deepest request of each mix issues (page, count, and the loads behind each item).
    for (const [i, scenario] of scenarios.entries()) {
      const r = reads[i];
      if (!r) continue;
      r.inProcessMs = await timeInProcess(scenario.items, (item) => runCall(server.store, config, item.call));
      const worst = deepest(scenario);
      const queries = await captureQueries(server.store, (store) => runCall(store, config, worst.call));
      const plans: Plan[] = [];
      for (const query of queries) plans.push({ sql: readableSql(query), lines: await explain(server.store, query) });
      r.plans = { path: worst.path, queries: plans };
    }

    const verdicts = readVerdicts(reads, (r) => `p95 ${fmt(r.latency.p95, 2)} ms at ${r.connections} connections`);
    printStore(target.label, reads, verdicts, settings);
    return { store: target.label, version, seed: { users: userSeed, organizations: orgSeed }, bigOrgId: world.bigOrg.id, hubUserId: world.hub.id, reads, verdicts };
  } finally {
    await server.close();
  }
}

function printStore(label: string, reads: ReadRow[], verdicts: Verdict[], settings: Settings): void {
  log(`\n${label} — HTTP on loopback, ${settings.readSeconds} s per row; latencies in ms, exact percentiles of every 2xx response`);
  log(readTable(reads));
  log(
    '  in-proc p50: the same calls through the domain layer in this process, one at a time (service time without HTTP or queueing);\n' +
      '  cores: average CPU in use during the row by the server (incl. PostgreSQL backends), the load generator, and everything else (* ≥ 0.2: contended).',
  );
  logVerdicts(label, verdicts);
  const shown = reads.filter((r) => r.plans && (settings.explainAll || r.target?.pass === false));
  for (const r of shown) {
    log(`\n  plans for ${r.key} (${r.target?.pass === false ? 'missed' : 'requested'}), GET ${r.plans?.path}:`);
    for (const q of r.plans?.queries ?? []) {
      log(`    ${q.sql}`);
      for (const line of q.lines) log(`      ${line}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

export async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = new Date();
  const machine = machineInfo();
  log(
    `orgs bench — ${USERS.toLocaleString('en-US')} users, 1 organization of ${BIG_ORG_MEMBERS.toLocaleString('en-US')} members, ` +
      `${HUB_ORGS.toLocaleString('en-US')} organizations sharing one member; ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`,
  );

  // Users end two days ago and organizations start one day ago: every membership postdates its user.
  const now = Date.now();
  const users = generateUsers({ count: USERS, newestAt: now - 2 * 86_400_000 });
  const world = buildWorld(users, now - 86_400_000);
  // One argon2id digest shared by every seeded user: no request here checks a password.
  const digest = await hashPassword(normalizePassword('seeded users share this passphrase'));

  const results = await forEachStore(settings.stores, settings.databaseUrl, (target) => benchStore(target, users, world, digest, settings));

  writeResults('orgs', startedAt, { machine, settings: jsonSettings(settings), results });
  logOverallVerdict(results);
}
