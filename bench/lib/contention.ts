/**
 * Other processes competing for the cores: each phase waits for them to go quiet first, a phase
 * they disturbed anyway is run again, and a figure still disturbed is marked `*` in the output.
 */
import { waitForQuiet } from './cpu.js';
import type { CpuSplit } from './load.js';
import { fmt } from './stats.js';

/** Above this many cores used by other processes, a phase waits, and a row is flagged. */
export const QUIET_CORES = 0.2;

/** Printed after a figure other processes disturbed. */
export const UNRELIABLE = '  (* other processes held ≥ 0.2 cores: unreliable)';

export interface Contention {
  /** Other processes' load when the phase was let through, and how long it waited for that. */
  before: { foreignCores: number; waitedSeconds: number };
  cpu: CpuSplit;
}

/** Waits (at most `maxWaitSeconds`) for processes other than `serverPids` to go quiet. */
export function quietGate(serverPids: () => Promise<readonly number[]>, maxWaitSeconds: number): Promise<Contention['before']> {
  return waitForQuiet(serverPids, { maxForeignCores: QUIET_CORES, maxWaitSeconds });
}

export function contended(c: Contention): boolean {
  return c.cpu.other >= QUIET_CORES;
}

/** Phases run at most, unless a bench lets its settings say otherwise. */
export const MAX_ATTEMPTS = 3;

/**
 * Other processes can start in the middle of a phase, after the quiet gate let it through; on a
 * shared two-core machine such a phase measures the neighbour as much as the server. It is run
 * again (up to `maxAttempts` in all) and the least disturbed attempt is kept.
 */
export async function leastContended<T extends { contention: Contention }>(run: () => Promise<T>, maxAttempts = MAX_ATTEMPTS): Promise<T & { attempts: number }> {
  let best: T | undefined;
  let attempts = 0;
  while (attempts < maxAttempts) {
    attempts++;
    const result = await run();
    if (!best || result.contention.cpu.other < best.contention.cpu.other) best = result;
    if (!contended(result.contention)) break;
  }
  if (!best) throw new Error('no attempt ran');
  return { ...best, attempts };
}

/** "server/client/other" cores, with `*` when other processes disturbed the phase. */
export function coresText(c: Contention): string {
  return `${fmt(c.cpu.server, 2)}/${fmt(c.cpu.client, 2)}/${fmt(c.cpu.other, 2)}${contended(c) ? '*' : ''}`;
}
