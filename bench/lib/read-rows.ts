/**
 * Read rows: one request mix (GET paths picked at random) loaded over HTTP for a few seconds,
 * each row's latency judged against its target, and the rows printed as one table.
 */
import { performance } from 'node:perf_hooks';
import { contended, coresText, leastContended, quietGate, type Contention } from './contention.js';
import { failedRequests, non2xxCounts, runLoad, type LoadPlan, type LoadResult } from './load.js';
import { fmt, summarize, table, type LatencySummary } from './stats.js';
import type { Verdict } from './verdicts.js';

export interface ReadTarget {
  p95Ms: number;
  name: string;
}

export interface ReadMix<Item extends { path: string }> {
  key: string;
  label: string;
  items: Item[];
  /** Overrides the read connection count, e.g. 1 for unloaded latency. */
  connections?: number;
  /** Target on p95, in ms, and the name of the target it counts towards. */
  target?: ReadTarget;
}

/** The server the rows load, and how. */
export interface ReadSetup {
  url: string;
  secret: string;
  /** Connections for a mix that does not set its own. */
  connections: number;
  seconds: number;
  quietWaitSeconds: number;
  /** Phases run at most while other processes compete for the CPU. */
  attempts: number;
  /** The processes doing the server's work right now (PostgreSQL backends come and go). */
  serverPids: () => Promise<readonly number[]>;
}

export interface ReadResult {
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
  /** The same calls made in-process through the domain layer, one at a time: service time without HTTP or queueing. */
  inProcessMs: { p50: number; p95: number };
  contention: Contention;
  target?: ReadTarget & { pass: boolean };
  /** Phases run to get this one: a phase other processes competed in is run again. */
  attempts: number;
}

/** A read mix's requests, at its own connection count. */
function readPlan(setup: ReadSetup, mix: ReadMix<{ path: string }>, durationSeconds: number, warmupRequests: number): LoadPlan {
  return {
    origin: setup.url,
    secretKey: setup.secret,
    connections: mix.connections ?? setup.connections,
    durationSeconds,
    warmupRequests,
    source: { kind: 'pick', paths: mix.items.map((i) => i.path) },
  };
}

async function measureReadOnce(setup: ReadSetup, mix: ReadMix<{ path: string }>): Promise<Omit<ReadResult, 'attempts'>> {
  const before = await quietGate(setup.serverPids, setup.quietWaitSeconds);
  const result = await runLoad(readPlan(setup, mix, setup.seconds, 300), setup.serverPids);
  const latency = summarize(result.latenciesMs);
  return {
    key: mix.key,
    label: mix.label,
    connections: mix.connections ?? setup.connections,
    seconds: result.elapsedMs / 1000,
    requests: result.ok,
    reqPerSec: result.ok / (result.elapsedMs / 1000),
    latency,
    autocannon: result.autocannon,
    non2xx: non2xxCounts(result),
    errors: result.errors + result.timeouts,
    inProcessMs: { p50: Number.NaN, p95: Number.NaN },
    contention: { before, cpu: result.cpu },
    ...(mix.target ? { target: { ...mix.target, pass: latency.p95 < mix.target.p95Ms } } : {}),
  };
}

export function measureRead(setup: ReadSetup, mix: ReadMix<{ path: string }>): Promise<ReadResult> {
  return leastContended(() => measureReadOnce(setup, mix), setup.attempts);
}

/** Every request mix in turn, for an equal share of `seconds`; returns the requests sent. */
export async function warmUpReads(setup: ReadSetup, mixes: readonly ReadMix<{ path: string }>[], seconds: number): Promise<number> {
  let requests = 0;
  for (const mix of mixes) requests += (await runLoad(readPlan(setup, mix, seconds / mixes.length, 0), setup.serverPids)).ok;
  return requests;
}

/** p50 and p95 of 40 calls made one at a time (the items cycled if there are fewer). */
export async function timeInProcess<Item>(items: readonly Item[], call: (item: Item) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  const timed = items.length >= 40 ? items.slice(0, 40) : Array.from({ length: 40 }, (_, i) => items[i % items.length] as Item);
  for (const item of timed) {
    const started = performance.now();
    await call(item);
    samples.push(performance.now() - started);
  }
  const s = summarize(samples);
  return { p50: s.p50, p95: s.p95 };
}

/** The read rows of one store as a table; latencies in ms. */
export function readTable(reads: readonly ReadResult[]): string {
  return table(
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
      coresText(r.contention),
      String(failedRequests(r)),
      r.target ? `${r.target.pass ? 'PASS' : 'MISS'} <${r.target.p95Ms}` : '',
    ]),
  );
}

/** The verdicts of the rows that have a target, `measured` saying what was measured. */
export function readVerdicts(reads: readonly ReadResult[], measured: (r: ReadResult) => string): Verdict[] {
  return reads
    .filter((r) => r.target)
    .map((r) => ({
      target: `${r.target?.name} — ${r.key}`,
      measured: measured(r),
      pass: r.target?.pass ?? false,
      contended: contended(r.contention),
    }));
}
