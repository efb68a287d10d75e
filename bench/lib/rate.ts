/**
 * Operations per second of work done in this process (raw hashes, signatures, verifications),
 * measured between a quiet gate and CPU samples, so a rate disturbed by other processes shows.
 */
import { performance } from 'node:perf_hooks';
import { quietGate, type Contention } from './contention.js';
import { coresBetween, snapshot } from './cpu.js';

export interface MeasuredRate {
  operations: number;
  seconds: number;
  perSecond: number;
  contention: Contention;
}

/** Runs `work` (which returns how many operations it did) between a quiet gate and CPU samples of `ownPids`. */
export async function measureRate(ownPids: () => Promise<readonly number[]>, quietWaitSeconds: number, work: () => Promise<number>): Promise<MeasuredRate> {
  const before = await quietGate(ownPids, quietWaitSeconds);
  const a = snapshot(await ownPids());
  const started = performance.now();
  const operations = await work();
  const seconds = (performance.now() - started) / 1000;
  const cores = coresBetween(a, snapshot(await ownPids()));
  return { operations, seconds, perSecond: operations / seconds, contention: { before, cpu: { server: cores.own, client: 0, other: cores.foreign } } };
}

/** Calls `operation` with `inFlight` calls outstanding until `seconds` have passed; returns how many completed. */
export async function repeatFor(seconds: number, inFlight: number, operation: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await operation();
        n++;
      }
    }),
  );
  return n;
}

/** Calls a synchronous `operation` in a loop on the main thread (one core) until `seconds` have passed. */
export function repeatSyncFor(seconds: number, operation: () => void): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < deadline) {
    operation();
    n++;
  }
  return Promise.resolve(n);
}
