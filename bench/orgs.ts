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
import { performance } from 'node:perf_hooks';
import { sql, type Insertable } from 'kysely';
import { loadConfig, type Config } from '../packages/server/src/config.js';
import { newId } from '../packages/server/src/crypto/ids.js';
import { hashPassword } from '../packages/server/src/crypto/password/index.js';
import { listOrganizationMemberships, listUserMemberships, type MembershipPage } from '../packages/server/src/domain/organizations/memberships.js';
import { listOrganizations } from '../packages/server/src/domain/organizations/organizations.js';
import { normalizePassword } from '../packages/server/src/domain/passwords/password-policy.js';
import { createLogger } from '../packages/server/src/logger.js';
import { domainContextFor, prepareStore, startServer, type RunningServer } from '../packages/server/src/server.js';
import type { Store } from '../packages/server/src/store/db.js';
import type { OrganizationMembershipTable, OrganizationTable } from '../packages/server/src/store/schema.js';
import { waitForQuiet } from './lib/cpu.js';
import { captureQueries, explain, readableSql } from './lib/explain.js';
import { runLoad, type CpuSplit, type LoadResult } from './lib/load.js';
import { seedUsers, type SeedReport } from './lib/seed-users.js';
import { fmt, summarize, table, type LatencySummary } from './lib/stats.js';
import type { ThrowawayStore } from './lib/throwaway-store.js';
import { generateUsers, pick, seededRandom, type SeedUser } from './lib/user-data.js';
import { databaseUrlSetting, intSetting, storesSetting } from './lib/settings.js';
import { forEachStore, log, machineInfo, storeVersion, writeResults } from './lib/bench-run.js';

// ---------------------------------------------------------------------------------------------
// Settings

const USERS = 11_000;
const BIG_ORG_MEMBERS = 10_000;
const HUB_ORGS = 1_000;
/** Members of each hub organization besides the hub user. */
const OTHERS_PER_HUB_ORG = 3;
const ROWS_PER_STATEMENT = 1000;
const TARGET = { p95Ms: 20, name: 'p95 < 20 ms' };

interface Settings {
  readSeconds: number;
  readConnections: number;
  databaseUrl: string;
  stores: Set<string>;
  explainAll: boolean;
  quietWaitSeconds: number;
  attempts: number;
}

// Duplicated from users.ts, which does not export it.

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
// The organization population, built in memory first so every request's right answer is known

type RoleId = 'role_admin' | 'role_member';

interface SeedOrg {
  id: string;
  name: string;
  slug: string;
  createdBy: string;
  createdAt: number;
}

interface SeedMembership {
  id: string;
  orgId: string;
  userId: string;
  roleId: RoleId;
  createdAt: number;
}

export interface OrgWorld {
  bigOrg: SeedOrg;
  /** The big organization's memberships, oldest first. */
  bigMembers: SeedMembership[];
  hub: SeedUser;
  /** The organizations the hub user belongs to, oldest first. */
  hubOrgs: SeedOrg[];
  /** The hub user's own memberships, oldest first. */
  hubMemberships: SeedMembership[];
  orgs: SeedOrg[];
  memberships: SeedMembership[];
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Exported, with seedOrganizations, so a plan can be reproduced by hand on the same data. */
export function buildWorld(users: readonly SeedUser[], startAt: number): OrgWorld {
  const random = seededRandom(31);
  // One clock for every organization and membership: strictly increasing, so created_at values
  // are all distinct and the default `-created_at` order has exactly one right answer.
  let clock = startAt;
  const tick = () => (clock += 2 + Math.floor(random() * 5));
  const hub = users[users.length - 1];
  if (!hub) throw new Error('no users');
  const orgs: SeedOrg[] = [];
  const memberships: SeedMembership[] = [];
  const member = (org: SeedOrg, userId: string, roleId: RoleId): SeedMembership => {
    const createdAt = tick();
    const m = { id: newId('orgmem', createdAt), orgId: org.id, userId, roleId, createdAt };
    memberships.push(m);
    return m;
  };
  const organization = (name: string, slug: string, createdBy: string): SeedOrg => {
    const createdAt = tick();
    const org = { id: newId('org', createdAt), name, slug, createdBy, createdAt };
    orgs.push(org);
    return org;
  };

  // The big organization: the first BIG_ORG_MEMBERS users join in shuffled order, so membership
  // order is unrelated to user order (and to user ids); the creator is its one admin.
  const joiners = shuffle(users.slice(0, BIG_ORG_MEMBERS), random);
  const creator = joiners[0];
  if (!creator) throw new Error('no users for the big organization');
  const bigOrg = organization('Big Org', 'big-org', creator.id);
  const bigMembers = joiners.map((u, i) => member(bigOrg, u.id, i === 0 ? 'role_admin' : 'role_member'));

  // The hub organizations: each made by one user with a few others, from anyone but the hub.
  const others = users.slice(0, users.length - 1);
  const hubOrgs: SeedOrg[] = [];
  for (let i = 0; i < HUB_ORGS; i++) {
    const chosen = new Set<SeedUser>();
    while (chosen.size < OTHERS_PER_HUB_ORG) chosen.add(pick(others, random));
    const [first, ...rest] = [...chosen];
    if (!first) throw new Error('unreachable: no members chosen');
    const org = organization(`Team ${String(i + 1).padStart(4, '0')}`, `team-${String(i + 1).padStart(4, '0')}`, first.id);
    member(org, first.id, 'role_admin');
    for (const u of rest) member(org, u.id, 'role_member');
    hubOrgs.push(org);
  }
  // The hub user joins later, in an order unrelated to creation, so "their memberships by
  // created_at" and "their organizations by created_at" are two different answers.
  const hubMemberships = shuffle(hubOrgs, random).map((org, i) => member(org, hub.id, i % 10 === 0 ? 'role_admin' : 'role_member'));
  return { bigOrg, bigMembers, hub, hubOrgs, hubMemberships, orgs, memberships };
}

export interface OrgSeedReport {
  organizations: number;
  memberships: number;
  rowsPerStatement: number;
  insertMs: number;
  analyzeMs: number;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function seedOrganizations(store: Store, world: OrgWorld): Promise<OrgSeedReport> {
  const started = performance.now();
  const orgRows: Insertable<OrganizationTable>[] = world.orgs.map((o) => ({
    id: o.id,
    name: o.name,
    slug: o.slug,
    image_id: null,
    max_allowed_memberships: 0,
    admin_delete_enabled: 1,
    public_metadata: '{}',
    private_metadata: '{}',
    created_by: o.createdBy,
    created_at: o.createdAt,
    updated_at: o.createdAt,
  }));
  const membershipRows: Insertable<OrganizationMembershipTable>[] = world.memberships.map((m) => ({
    id: m.id,
    organization_id: m.orgId,
    user_id: m.userId,
    role_id: m.roleId,
    public_metadata: '{}',
    private_metadata: '{}',
    created_at: m.createdAt,
    updated_at: m.createdAt,
  }));
  // 1000 rows per statement stays far under SQLite's 32,766 bound values (12 columns at most).
  for (const chunk of chunks(orgRows, ROWS_PER_STATEMENT)) await store.transaction((trx) => trx.insertInto('organizations').values(chunk).execute());
  for (const chunk of chunks(membershipRows, ROWS_PER_STATEMENT)) {
    await store.transaction((trx) => trx.insertInto('organization_memberships').values(chunk).execute());
  }
  const insertMs = performance.now() - started;

  const analyzeStarted = performance.now();
  if (store.dialect === 'postgres') {
    // VACUUM as well as ANALYZE, as seed-users.ts does: a freshly loaded table has no visibility
    // map (so no index-only scans) and would be autovacuumed in the middle of a measurement.
    await sql`vacuum (analyze) organizations, organization_memberships, organization_roles, organization_role_permissions, organization_permissions`.execute(
      store.db,
    );
  } else {
    await sql`analyze`.execute(store.db);
    await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
  }
  return {
    organizations: orgRows.length,
    memberships: membershipRows.length,
    rowsPerStatement: ROWS_PER_STATEMENT,
    insertMs,
    analyzeMs: performance.now() - analyzeStarted,
  };
}

// ---------------------------------------------------------------------------------------------
// Request mixes, each with the answer the in-memory model says is right

type DomainCall =
  | { kind: 'org-memberships'; orgId: string; page: MembershipPage }
  | { kind: 'user-memberships'; userId: string; page: MembershipPage }
  | { kind: 'user-orgs'; userId: string; limit: number; offset: number };

/** Which field of each listed item the expectation compares. */
type KeyField = 'member_user_id' | 'member_org_id' | 'member_first_name' | 'org_id';

interface Item {
  path: string;
  call: DomainCall;
  offset: number;
  expect: { total: number; field: KeyField; keys: (string | null)[] };
}

interface Scenario {
  key: string;
  label: string;
  items: Item[];
  connections?: number;
  target?: { p95Ms: number; name: string };
}

const byCreatedDesc = (a: { createdAt: number }, b: { createdAt: number }) => b.createdAt - a.createdAt;

function buildScenarios(world: OrgWorld, users: readonly SeedUser[]): Scenario[] {
  const random = seededRandom(13);
  const itemsPerScenario = 1000;
  const offsetUpTo = (max: number) => Math.floor(random() * (max + 1));
  const firstNames = new Map(users.map((u) => [u.id, u.firstName]));
  const bigNewest = [...world.bigMembers].sort(byCreatedDesc);
  // Only names are compared for +first_name: ties are broken by membership id, whose order
  // depends on the collation (PostgreSQL's database default may not be byte order). The names
  // themselves are all capitalised ASCII letters, which every collation orders the same way.
  const byFirstName = [...world.bigMembers].map((m) => firstNames.get(m.userId) ?? null).sort((a, b) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0));
  const hubNewest = [...world.hubMemberships].sort(byCreatedDesc);
  const hubOrgsNewest = [...world.hubOrgs].sort(byCreatedDesc);
  const page = (field: MembershipPage['orderBy']['field'], direction: 'asc' | 'desc', offset: number): MembershipPage => ({ orderBy: { field, direction }, limit: 10, offset });
  const big = world.bigOrg.id;
  const hub = world.hub.id;

  const bigMembersAt = (offset: number, withOffset: boolean): Item => ({
    path: `/v1/organizations/${big}/memberships?limit=10${withOffset ? `&offset=${offset}` : ''}`,
    call: { kind: 'org-memberships', orgId: big, page: page('created_at', 'desc', offset) },
    offset,
    expect: { total: bigNewest.length, field: 'member_user_id', keys: bigNewest.slice(offset, offset + 10).map((m) => m.userId) },
  });
  const firstPage = [bigMembersAt(0, false)];
  const deepPages = Array.from({ length: itemsPerScenario }, () => bigMembersAt(offsetUpTo(BIG_ORG_MEMBERS - 10), true));
  const byName = Array.from({ length: itemsPerScenario }, (): Item => {
    const offset = offsetUpTo(BIG_ORG_MEMBERS - 10);
    return {
      path: `/v1/organizations/${big}/memberships?limit=10&offset=${offset}&order_by=%2Bfirst_name`,
      call: { kind: 'org-memberships', orgId: big, page: page('first_name', 'asc', offset) },
      offset,
      expect: { total: byFirstName.length, field: 'member_first_name', keys: byFirstName.slice(offset, offset + 10) },
    };
  });
  const hubPages = Array.from({ length: itemsPerScenario }, (): Item => {
    const offset = offsetUpTo(HUB_ORGS - 10);
    return {
      path: `/v1/users/${hub}/organization_memberships?limit=10&offset=${offset}`,
      call: { kind: 'user-memberships', userId: hub, page: page('created_at', 'desc', offset) },
      offset,
      expect: { total: hubNewest.length, field: 'member_org_id', keys: hubNewest.slice(offset, offset + 10).map((m) => m.orgId) },
    };
  });
  const hubOrgList: Item[] = [
    {
      path: `/v1/organizations?user_id=${hub}&limit=10`,
      call: { kind: 'user-orgs', userId: hub, limit: 10, offset: 0 },
      offset: 0,
      expect: { total: hubOrgsNewest.length, field: 'org_id', keys: hubOrgsNewest.slice(0, 10).map((o) => o.id) },
    },
  ];
  const n = (count: number) => count.toLocaleString('en-US');
  return [
    // Latency targets are judged one request at a time (what a caller waits for); the same
    // requests at 10 connections show throughput and the queueing a saturated process adds.
    { key: 'org_members_first_page', label: `(a) org members (${n(BIG_ORG_MEMBERS)}) limit=10`, items: firstPage, connections: 1, target: TARGET },
    { key: 'org_members_first_page_10conn', label: `(a) org members (${n(BIG_ORG_MEMBERS)}) limit=10`, items: firstPage },
    { key: 'org_members_offset', label: `(a) org members offset ≤ ${n(BIG_ORG_MEMBERS - 10)}`, items: deepPages, connections: 1, target: TARGET },
    { key: 'org_members_offset_10conn', label: `(a) org members offset ≤ ${n(BIG_ORG_MEMBERS - 10)}`, items: deepPages },
    { key: 'org_members_first_name', label: `(a) org members +first_name offset ≤ ${n(BIG_ORG_MEMBERS - 10)}`, items: byName },
    { key: 'user_memberships', label: `(b) user's memberships (${n(HUB_ORGS)}) offset ≤ ${n(HUB_ORGS - 10)}`, items: hubPages, connections: 1, target: TARGET },
    { key: 'user_memberships_10conn', label: `(b) user's memberships (${n(HUB_ORGS)}) offset ≤ ${n(HUB_ORGS - 10)}`, items: hubPages },
    { key: 'orgs_of_user', label: `(c) organizations?user_id= (${n(HUB_ORGS)}) limit=10`, items: hubOrgList },
  ];
}

// ---------------------------------------------------------------------------------------------
// Checks before load: a fast wrong answer is not a result

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyOf(item: unknown, field: KeyField): unknown {
  if (!isRecord(item)) return undefined;
  if (field === 'org_id') return item.id;
  if (field === 'member_org_id') return isRecord(item.organization) ? item.organization.id : undefined;
  const user = item.public_user_data;
  if (!isRecord(user)) return undefined;
  return field === 'member_user_id' ? user.user_id : user.first_name;
}

/** The deepest offset of a scenario: its most expensive request, used for plans too. */
function deepest(scenario: Scenario): Item {
  const item = scenario.items.reduce<Item | undefined>((worst, i) => (worst === undefined || i.offset > worst.offset ? i : worst), undefined);
  if (!item) throw new Error(`scenario ${scenario.key} has no requests`);
  return item;
}

async function preflight(server: RunningServer, secret: string, scenario: Scenario): Promise<void> {
  const sample = new Set([...scenario.items.slice(0, 3), ...scenario.items.slice(-3), deepest(scenario)]);
  for (const item of sample) {
    const response = await fetch(`${server.url}${item.path}`, { headers: { authorization: `Bearer ${secret}` } });
    const body: unknown = await response.json();
    const fail = (why: string): never => {
      throw new Error(`preflight ${scenario.key}: GET ${item.path} ${why}; got ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    };
    if (response.status !== 200) fail('is not 200');
    if (!isRecord(body) || !Array.isArray(body.data)) return fail('is not a paginated list');
    if (body.total_count !== item.expect.total) fail(`should have total_count ${item.expect.total}`);
    const got = body.data.map((d: unknown) => keyOf(d, item.expect.field));
    if (JSON.stringify(got) !== JSON.stringify(item.expect.keys)) fail(`should list ${item.expect.field} ${JSON.stringify(item.expect.keys)}, listed ${JSON.stringify(got)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements

/** Above this many cores used by other processes, a phase waits, and a row is flagged. */
const QUIET_CORES = 0.2;

interface Harness {
  server: RunningServer;
  secret: string;
  settings: Settings;
  /** This process plus the PostgreSQL backends serving it right now. */
  serverPids: () => Promise<readonly number[]>;
}

interface Plan {
  sql: string;
  lines: string[];
}

interface ReadResult {
  key: string;
  label: string;
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  latency: LatencySummary;
  autocannon: LoadResult['autocannon'];
  non2xx: Record<string, number>;
  errors: number;
  inProcessMs: { p50: number; p95: number };
  contention: { before: { foreignCores: number; waitedSeconds: number }; cpu: CpuSplit };
  /** Phases run to get this one: a phase other processes competed in is run again. */
  attempts: number;
  target?: { p95Ms: number; name: string; pass: boolean };
  /** Every query the deepest request of the mix runs, with its plan. */
  plans?: { path: string; queries: Plan[] };
}

function contended(r: ReadResult): boolean {
  return r.contention.cpu.other >= QUIET_CORES;
}

/**
 * Runs a phase until one is uncontended, at most `attempts` times, and keeps the least contended.
 * The quiet gate only looks before a phase starts; on a shared two-core machine other work often
 * starts in the middle of one, and such a phase measures the neighbour as much as the server.
 */
async function measureRead(h: Harness, scenario: Scenario): Promise<ReadResult> {
  let best: ReadResult | undefined;
  for (let attempt = 1; attempt <= h.settings.attempts; attempt++) {
    const r = await measureReadOnce(h, scenario);
    if (!best || r.contention.cpu.other < best.contention.cpu.other) best = r;
    best.attempts = attempt;
    if (!contended(best)) break;
  }
  if (!best) throw new Error('GATEHOUSE_BENCH_ATTEMPTS must be at least 1');
  return best;
}

async function measureReadOnce(h: Harness, scenario: Scenario): Promise<ReadResult> {
  const connections = scenario.connections ?? h.settings.readConnections;
  const before = await waitForQuiet(h.serverPids, { maxForeignCores: QUIET_CORES, maxWaitSeconds: h.settings.quietWaitSeconds });
  const result = await runLoad(
    {
      origin: h.server.url,
      secretKey: h.secret,
      connections,
      durationSeconds: h.settings.readSeconds,
      warmupRequests: 300,
      source: { kind: 'pick', paths: scenario.items.map((i) => i.path) },
    },
    h.serverPids,
  );
  const latency = summarize(result.latenciesMs);
  const non2xx = Object.fromEntries(Object.entries(result.statusCounts).filter(([status]) => !status.startsWith('2')));
  return {
    key: scenario.key,
    label: scenario.label,
    connections,
    seconds: result.elapsedMs / 1000,
    requests: result.ok,
    reqPerSec: result.ok / (result.elapsedMs / 1000),
    latency,
    autocannon: result.autocannon,
    non2xx,
    errors: result.errors + result.timeouts,
    inProcessMs: { p50: Number.NaN, p95: Number.NaN },
    contention: { before, cpu: result.cpu },
    attempts: 1,
    ...(scenario.target ? { target: { ...scenario.target, pass: latency.p95 < scenario.target.p95Ms } } : {}),
  };
}

function runCall(store: Store, config: Config, call: DomainCall): Promise<unknown> {
  const ctx = domainContextFor(config, store);
  switch (call.kind) {
    case 'org-memberships':
      // The route passes the (here empty) user filter; an empty one adds no clause.
      return listOrganizationMemberships(ctx, call.orgId, { users: {} }, call.page);
    case 'user-memberships':
      return listUserMemberships(ctx, call.userId, call.page);
    case 'user-orgs':
      return listOrganizations(ctx, {
        userIds: [call.userId],
        orderBy: { field: 'created_at', direction: 'desc' },
        limit: call.limit,
        offset: call.offset,
        includeMembersCount: false,
      });
  }
}

async function timeInProcess(store: Store, config: Config, scenario: Scenario): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  const items = scenario.items.length >= 40 ? scenario.items.slice(0, 40) : Array.from({ length: 40 }, (_, i) => scenario.items[i % scenario.items.length] as Item);
  for (const item of items) {
    const started = performance.now();
    await runCall(store, config, item.call);
    samples.push(performance.now() - started);
  }
  const s = summarize(samples);
  return { p50: s.p50, p95: s.p95 };
}

// ---------------------------------------------------------------------------------------------
// One store, end to end

interface StoreResult {
  store: string;
  version: string;
  seed: { users: SeedReport; organizations: OrgSeedReport };
  bigOrgId: string;
  hubUserId: string;
  reads: ReadResult[];
  verdicts: { target: string; measured: string; pass: boolean; contended: boolean }[];
}

// Duplicated from users.ts, which does not export it.

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

  const config = loadConfig({ PORT: '0', GATEHOUSE_DATA_DIR: target.dataDir, GATEHOUSE_LOG_LEVEL: 'silent' });
  const server = await startServer(config, createLogger('silent'), target.options);
  try {
    const secret = server.firstSecretKey?.secret;
    if (!secret) throw new Error('the server did not create a first secret key');
    const scenarios = buildScenarios(world, users);
    for (const scenario of scenarios) await preflight(server, secret, scenario);
    log(`server ${server.url}; big org ${world.bigOrg.id}, hub user ${world.hub.id}; preflight answers correct for ${scenarios.length} request mixes`);

    const h: Harness = { server, secret, settings, serverPids: async () => [process.pid, ...(await target.backendPids())] };
    const reads: ReadResult[] = [];
    for (const scenario of scenarios) {
      const r = await measureRead(h, scenario);
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
      r.inProcessMs = await timeInProcess(server.store, config, scenario);
      const worst = deepest(scenario);
      const queries = await captureQueries(server.store, (store) => runCall(store, config, worst.call));
      const plans: Plan[] = [];
      for (const query of queries) plans.push({ sql: readableSql(query), lines: await explain(server.store, query) });
      r.plans = { path: worst.path, queries: plans };
    }

    const verdicts = reads
      .filter((r) => r.target)
      .map((r) => ({
        target: `${r.target?.name} — ${r.key}`,
        measured: `p95 ${fmt(r.latency.p95, 2)} ms at ${r.connections} connections`,
        pass: r.target?.pass ?? false,
        contended: contended(r),
      }));
    printStore(target.label, reads, verdicts, settings);
    return { store: target.label, version, seed: { users: userSeed, organizations: orgSeed }, bigOrgId: world.bigOrg.id, hubUserId: world.hub.id, reads, verdicts };
  } finally {
    await server.close();
  }
}

function cores(r: ReadResult): string {
  const c = r.contention.cpu;
  return `${fmt(c.server, 2)}/${fmt(c.client, 2)}/${fmt(c.other, 2)}${contended(r) ? '*' : ''}`;
}

function printStore(label: string, reads: ReadResult[], verdicts: StoreResult['verdicts'], settings: Settings): void {
  log(`\n${label} — HTTP on loopback, ${settings.readSeconds} s per row; latencies in ms, exact percentiles of every 2xx response`);
  log(
    table(
      ['request', 'conns', 'req/s', 'p50', 'p95', 'p99', 'max', 'in-proc p50', 'cores srv/cli/other', 'non-2xx', 'target'],
      reads.map((r) => [
        r.label,
        String(r.connections),
        fmt(r.reqPerSec, 0),
        fmt(r.latency.p50, 2),
        fmt(r.latency.p95, 2),
        fmt(r.latency.p99, 2),
        fmt(r.latency.max, 1),
        fmt(r.inProcessMs.p50, 2),
        cores(r),
        String(Object.values(r.non2xx).reduce((a, b) => a + b, 0) + r.errors),
        r.target ? `${r.target.pass ? 'PASS' : 'MISS'} <${r.target.p95Ms}` : '',
      ]),
    ),
  );
  log(
    '  in-proc p50: the same calls through the domain layer in this process, one at a time (service time without HTTP or queueing);\n' +
      '  cores: average CPU in use during the row by the server (incl. PostgreSQL backends), the load generator, and everything else (* ≥ 0.2: contended).',
  );
  log(`\n${label} targets:`);
  for (const v of verdicts) log(`  ${v.pass ? 'PASS' : 'MISS'}  ${v.target}: ${v.measured}${v.contended ? '  (* other processes held ≥ 0.2 cores: unreliable)' : ''}`);
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

  const { stores: _stores, ...rest } = settings;
  writeResults('orgs', startedAt, { machine, settings: { ...rest, stores: [...settings.stores] }, results });
  const measured = results.filter((r): r is StoreResult => 'verdicts' in r);
  const missed = measured.some((r) => r.verdicts.some((v) => !v.pass));
  log(measured.length === 0 ? 'no store was measured' : missed ? 'some targets MISSED (see above)' : 'all targets PASS');
}
