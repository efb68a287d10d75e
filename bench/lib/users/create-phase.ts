/**
 * The create row: `POST /v1/users` at the store's limit, in windows that alternate with windows
 * of the raw argon2id rate it is judged against, and where a create's CPU goes.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../../packages/server/src/config.js';
import { createUser } from '../../../packages/server/src/domain/users/create-user.js';
import { domainContextFor } from '../../../packages/server/src/server.js';
import type { Store } from '../../../packages/server/src/store/db.js';
import { leastContended, quietGate, type Contention } from '../contention.js';
import { coresBetween, snapshot } from '../cpu.js';
import { LoadGenerator, non2xxCounts, type CpuSplit, type LoadResult } from '../load.js';
import { sum, summarize, type LatencySummary } from '../stats.js';
import { FIRST_NAMES, LAST_NAMES, pick, seededRandom } from '../user-data.js';
import { combineHashRates, measureHashRateOnce, type HashRate } from '../hash-rate.js';
import type { Settings } from './settings.js';

export const CREATE_TARGET_RATIO = 0.8;

/** What the create phase needs: the server, and which processes count as "the server" for CPU. */
export interface Harness {
  /** The server under test, and this process's own connection to its store for in-process creates. */
  server: { url: string; store: Store };
  config: Config;
  secret: string;
  settings: Settings;
  /** The seeded users' shared argon2id digest, for creates that skip hashing. */
  digest: string;
  /** The server process, this one, and the PostgreSQL backends serving them right now (connections come and go). */
  serverPids: () => Promise<readonly number[]>;
}

export interface CreateResult {
  connections: number;
  seconds: number;
  created: number;
  perSecond: number;
  /** Creates/s of each create window, in order. */
  windowRates: number[];
  /** The discarded warm-up just before: the create path while V8 was still optimizing it. */
  warmup: { seconds: number; created: number; perSecond: number };
  latency: LatencySummary;
  non2xx: Record<string, number>;
  errors: number;
  contention: Contention;
  attempts: number;
  /** Measured in windows between the create windows; `parts` holds each window's rate. */
  hash: HashRate & { parts: number[] };
  ratio: number;
  pass: boolean;
  cost: CreateCost;
}

/**
 * Where a create's CPU goes. On a machine whose cores are all busy hashing, every other
 * CPU-millisecond a create spends (HTTP, validation, SQL, PostgreSQL backends) is taken from
 * argon2id, so creates/s ÷ hashes/s tends to cpuMsPerHash ÷ cpuMsPerCreate.
 */
interface CreateCost {
  /** Server CPU (incl. PostgreSQL backends) per HTTP create, and per raw hash. */
  cpuMsPerCreate: number;
  cpuMsPerHash: number;
  /** The difference: everything a create does besides hashing. */
  otherCpuMsPerCreate: number;
  /** `createUser` called in-process with an imported argon2id digest: domain + store, no hashing, no HTTP. */
  domainWithoutHash: { creates: number; p50Ms: number; cpuMsPerCreate: number };
}

type CreateWindow = LoadResult & { cpu: CpuSplit; contention: Contention; attempts: number };
type CreateLoad = (seconds: number, warmupRequests?: number) => () => Promise<LoadResult & { cpu: CpuSplit; contention: Contention }>;

/** The create windows as one phase: totals over total time, every latency, the most disturbed window's contention. */
function combineCreateWindows(windows: CreateWindow[]): Omit<CreateWindow, 'autocannon'> {
  const elapsedMs = sum(windows.map((w) => w.elapsedMs));
  const weighted = (of: (w: CreateWindow) => number) => sum(windows.map((w) => of(w) * w.elapsedMs)) / elapsedMs;
  const worst = windows.reduce((a, b) => (b.contention.cpu.other > a.contention.cpu.other ? b : a));
  const statusCounts: Record<string, number> = {};
  for (const w of windows) for (const [status, n] of Object.entries(w.statusCounts)) statusCounts[status] = (statusCounts[status] ?? 0) + n;
  const cpu = { server: weighted((w) => w.cpu.server), client: weighted((w) => w.cpu.client), other: weighted((w) => w.cpu.other) };
  return {
    elapsedMs,
    ok: sum(windows.map((w) => w.ok)),
    statusCounts,
    errors: sum(windows.map((w) => w.errors)),
    timeouts: sum(windows.map((w) => w.timeouts)),
    latenciesMs: windows.flatMap((w) => w.latenciesMs),
    clientCpuSeconds: sum(windows.map((w) => w.clientCpuSeconds)),
    cpu,
    contention: { before: worst.contention.before, cpu },
    attempts: sum(windows.map((w) => w.attempts)),
  };
}

export async function measureCreates(h: Harness): Promise<CreateResult> {
  const { server, secret, settings } = h;
  const connections = settings.createConnections;
  const runTag = randomBytes(4).toString('hex');
  // One create by hand first, so a policy or validation refusal shows up as a message, not a 4xx count.
  const probe = await fetch(`${server.url}/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email_address: [`probe.${runTag}@bench.example.com`], password: 'copper meadow thistle orbit', first_name: 'Ada' }),
  });
  if (probe.status !== 200) throw new Error(`preflight create: ${probe.status} ${await probe.text()}`);
  // One load-generator process for the warm-up and every window: a fresh one per window spent the
  // window's first moments compiling its own code on the cores under test. Each window still opens
  // with one unmeasured request per connection, which meets the caches the hash window evicted.
  const generator = LoadGenerator.start();
  const createLoad: CreateLoad = (seconds, warmupRequests = connections) => async () => {
    const before = await quietGate(h.serverPids, settings.quietWaitSeconds);
    const load = await generator.run(
      { origin: server.url, secretKey: secret, connections, durationSeconds: seconds, warmupRequests, source: { kind: 'create-users', runTag }, client: 'bare' },
      h.serverPids,
    );
    return { ...load, contention: { before, cpu: load.cpu } };
  };
  try {
    return await measureCreateWindows(h, createLoad, runTag);
  } finally {
    generator.close();
  }
}

async function measureCreateWindows(h: Harness, createLoad: CreateLoad, runTag: string): Promise<CreateResult> {
  const { settings } = h;
  const connections = settings.createConnections;
  const warmup = settings.createWarmupSeconds > 0 ? await createLoad(settings.createWarmupSeconds, 0)() : undefined;
  // Hash and create windows alternate, beginning and ending with hashing, so the reference and the
  // creates sample the same stretch of time. This VM's speed drifts within a minute (one run hashed
  // at 231.6/s before its creates and at 189.9/s after them; another's windows ranged from 202 to
  // 311/s): a reference taken before and after one long create phase carried that drift into the ratio.
  const rounds = settings.createRounds;
  const hashWindow = () => leastContended(() => measureHashRateOnce(h.serverPids, settings.quietWaitSeconds, connections, settings.createSeconds / (rounds + 1)));
  const hashWindows: (HashRate & { attempts: number })[] = [];
  const createWindows: CreateWindow[] = [];
  for (let round = 0; round < rounds; round++) {
    hashWindows.push(await hashWindow());
    createWindows.push(await leastContended(createLoad(settings.createSeconds / rounds)));
  }
  hashWindows.push(await hashWindow());
  const hash = combineHashRates(hashWindows);
  const result = combineCreateWindows(createWindows);
  const seconds = result.elapsedMs / 1000;
  const perSecond = result.ok / seconds;
  const ratio = perSecond / hash.perSecond;
  const cpuMsPerCreate = (result.cpu.server * 1000) / perSecond;
  const cpuMsPerHash = (hash.contention.cpu.server * 1000) / hash.perSecond;
  const cost: CreateCost = {
    cpuMsPerCreate,
    cpuMsPerHash,
    otherCpuMsPerCreate: cpuMsPerCreate - cpuMsPerHash,
    domainWithoutHash: await measureCreateWithoutHash(h, runTag),
  };
  return {
    connections,
    seconds,
    created: result.ok,
    perSecond,
    windowRates: createWindows.map((w) => w.ok / (w.elapsedMs / 1000)),
    warmup: warmup ? { seconds: warmup.elapsedMs / 1000, created: warmup.ok, perSecond: warmup.ok / (warmup.elapsedMs / 1000) } : { seconds: 0, created: 0, perSecond: 0 },
    latency: summarize(result.latenciesMs),
    non2xx: non2xxCounts(result),
    errors: result.errors + result.timeouts,
    contention: result.contention,
    attempts: result.attempts,
    hash,
    ratio,
    pass: ratio >= CREATE_TARGET_RATIO,
    cost,
  };
}

/** Sequential in-process creates with an imported digest: the create path minus hashing and HTTP. */
async function measureCreateWithoutHash(h: Harness, runTag: string): Promise<CreateCost['domainWithoutHash']> {
  const ctx = domainContextFor(h.config, h.server.store);
  const random = seededRandom(11);
  const creates = 200;
  const samples: number[] = [];
  const before = snapshot(await h.serverPids());
  for (let i = 0; i < creates; i++) {
    const started = performance.now();
    await createUser(ctx, {
      emailAddress: [`inproc.${runTag}.${i}@bench.example.com`],
      passwordDigest: h.digest,
      passwordHasher: 'argon2id',
      firstName: pick(FIRST_NAMES, random),
      lastName: pick(LAST_NAMES, random),
    });
    samples.push(performance.now() - started);
  }
  const after = snapshot(await h.serverPids());
  const cpuSeconds = coresBetween(before, after).own * ((after.at - before.at) / 1000);
  return { creates, p50Ms: summarize(samples).p50, cpuMsPerCreate: (cpuSeconds * 1000) / creates };
}
