/**
 * The refresh bench's load phases: refreshes at one connection per browser, password sign-ins in
 * windows alternating with the raw argon2id windows they are read against, and both at once.
 */
import { leastContended, quietGate, type Contention } from '../contention.js';
import { combineHashRates, measureVerifyRateOnce, type HashRate } from '../hash-rate.js';
import { failedRequests, LoadGenerator, non2xxCounts, type CpuSplit, type LoadResult, type RequestSource } from '../load.js';
import { sum, summarize, type LatencySummary } from '../stats.js';
import { PASSWORD, type Browser } from './browsers.js';
import type { Settings } from './settings.js';

export interface Harness {
  url: string;
  settings: Settings;
  browsers: readonly Browser[];
  /** The seeded users' shared digest, for the raw argon2id reference. */
  digest: string;
  /** The server process, this one (idle under load, busy with the raw references) and its PostgreSQL backends. */
  serverPids: () => Promise<readonly number[]>;
}

export interface LoadRow {
  connections: number;
  seconds: number;
  ok: number;
  perSecond: number;
  latency: LatencySummary;
  /** Non-2xx replies, errors and timeouts. */
  failed: number;
  contention: Contention;
}

type Measured = LoadResult & { cpu: CpuSplit };

function rowOf(connections: number, loads: readonly Measured[], contention: Contention): LoadRow {
  const seconds = sum(loads.map((l) => l.elapsedMs)) / 1000;
  const ok = sum(loads.map((l) => l.ok));
  const failed = sum(loads.map((l) => failedRequests({ non2xx: non2xxCounts(l), errors: l.errors + l.timeouts })));
  return { connections, seconds, ok, perSecond: ok / seconds, latency: summarize(loads.flatMap((l) => l.latenciesMs)), failed, contention };
}

function refreshSource(h: Harness): RequestSource {
  return { kind: 'fapi-refresh', origin: new URL(h.url).origin, browsers: h.browsers.map(({ sessionId, cookie }) => ({ sessionId, cookie })) };
}

function signInSource(h: Harness): RequestSource {
  return { kind: 'fapi-sign-in', origin: new URL(h.url).origin, identifiers: h.browsers.map((b) => b.email), password: PASSWORD };
}

function plan(h: Harness, source: RequestSource, connections: number, seconds: number, warmupRequests: number) {
  return { origin: h.url, secretKey: '', connections, durationSeconds: seconds, warmupRequests, source, client: 'bare' as const };
}

/** Refreshes from every browser at once, one connection each, after a warm-up. */
export async function measureRefreshes(h: Harness): Promise<LoadRow & { attempts: number }> {
  const { settings } = h;
  const generator = LoadGenerator.start();
  try {
    const connections = h.browsers.length;
    if (settings.warmupSeconds > 0) await generator.run(plan(h, refreshSource(h), connections, settings.warmupSeconds, 0), h.serverPids);
    return await leastContended(async () => {
      const before = await quietGate(h.serverPids, settings.quietWaitSeconds);
      const load = await generator.run(plan(h, refreshSource(h), connections, settings.seconds, connections), h.serverPids);
      return rowOf(connections, [load], { before, cpu: load.cpu });
    });
  } finally {
    generator.close();
  }
}

export interface SignInResult {
  signIns: LoadRow;
  /** Raw argon2id checks of the same password, at the same number in flight, in windows around the sign-in windows. */
  verify: HashRate & { parts: number[] };
  ratio: number;
}

/**
 * Sign-ins in windows alternating with raw argon2id windows, beginning and ending with the raw
 * one, so both sample the same stretch of time (this VM's speed drifts within a minute: see the
 * users bench's create row).
 */
export async function measureSignIns(h: Harness): Promise<SignInResult> {
  const { settings } = h;
  const connections = settings.signInConnections;
  const rounds = settings.signInRounds;
  const generator = LoadGenerator.start();
  try {
    if (settings.warmupSeconds > 0) await generator.run(plan(h, signInSource(h), connections, settings.warmupSeconds, 0), h.serverPids);
    const stored = { digest: h.digest, password: PASSWORD };
    const verifyWindow = () => leastContended(() => measureVerifyRateOnce(h.serverPids, settings.quietWaitSeconds, stored, connections, settings.seconds / (rounds + 1)));
    const verifyWindows: (HashRate & { attempts: number })[] = [];
    const windows: { load: Measured; contention: Contention }[] = [];
    for (let round = 0; round < rounds; round++) {
      verifyWindows.push(await verifyWindow());
      windows.push(
        await leastContended(async () => {
          const before = await quietGate(h.serverPids, settings.quietWaitSeconds);
          const load = await generator.run(plan(h, signInSource(h), connections, settings.seconds / rounds, connections), h.serverPids);
          return { load, contention: { before, cpu: load.cpu } };
        }),
      );
    }
    verifyWindows.push(await verifyWindow());
    const worst = windows.reduce((a, b) => (b.contention.cpu.other > a.contention.cpu.other ? b : a));
    const signIns = rowOf(connections, windows.map((w) => w.load), worst.contention);
    const verify = combineHashRates(verifyWindows);
    return { signIns, verify, ratio: signIns.perSecond / verify.perSecond };
  } finally {
    generator.close();
  }
}

/** Refreshes from every browser while sign-ins keep every argon2id thread busy, both for the same seconds. */
export async function measureStorm(h: Harness): Promise<{ refreshes: LoadRow; signIns: LoadRow }> {
  const { settings } = h;
  const refresher = LoadGenerator.start();
  const signer = LoadGenerator.start();
  try {
    const before = await quietGate(h.serverPids, settings.quietWaitSeconds);
    // Both generators sample the same server CPU; each row keeps the split its own generator saw.
    const [refreshes, signIns] = await Promise.all([
      refresher.run(plan(h, refreshSource(h), h.browsers.length, settings.seconds, h.browsers.length), h.serverPids),
      signer.run(plan(h, signInSource(h), settings.signInConnections, settings.seconds, settings.signInConnections), h.serverPids),
    ]);
    return {
      refreshes: rowOf(h.browsers.length, [refreshes], { before, cpu: refreshes.cpu }),
      signIns: rowOf(settings.signInConnections, [signIns], { before, cpu: signIns.cpu }),
    };
  } finally {
    refresher.close();
    signer.close();
  }
}
