/** The reference creates are read against: the server's own argon2id, hashed in this process. */
import { hashPassword } from '../../../packages/server/src/crypto/password/index.js';
import { normalizePassword } from '../../../packages/server/src/domain/passwords/password-policy.js';
import type { Contention } from '../contention.js';
import { measureRate, repeatFor } from '../rate.js';
import { sum } from '../stats.js';

export interface HashRate {
  concurrency: number;
  hashes: number;
  seconds: number;
  perSecond: number;
  contention: Contention;
  attempts?: number;
}

/** Hashes/s of the server's own argon2id at the given number in flight, for `seconds`. */
export async function measureHashRateOnce(serverPids: () => Promise<readonly number[]>, quietWaitSeconds: number, concurrency: number, seconds: number): Promise<HashRate> {
  const password = normalizePassword('violet lantern drifts over copper meadow');
  await hashPassword(password); // load the native binding before the clock starts
  const rate = await measureRate(serverPids, quietWaitSeconds, () => repeatFor(seconds, concurrency, () => hashPassword(password)));
  return { concurrency, hashes: rate.operations, seconds: rate.seconds, perSecond: rate.perSecond, contention: rate.contention };
}

/** Several measurements of the same rate as one: totals over total time, and the most disturbed window's contention. */
export function combineHashRates(windows: (HashRate & { attempts: number })[]): HashRate & { attempts: number; parts: number[] } {
  const seconds = sum(windows.map((w) => w.seconds));
  const hashes = sum(windows.map((w) => w.hashes));
  const weighted = (of: (w: HashRate) => number) => sum(windows.map((w) => of(w) * w.seconds)) / seconds;
  const worst = windows.reduce((a, b) => (b.contention.cpu.other > a.contention.cpu.other ? b : a));
  return {
    concurrency: worst.concurrency,
    hashes,
    seconds,
    perSecond: hashes / seconds,
    contention: { before: worst.contention.before, cpu: { server: weighted((w) => w.contention.cpu.server), client: 0, other: weighted((w) => w.contention.cpu.other) } },
    attempts: sum(windows.map((w) => w.attempts)),
    parts: windows.map((w) => w.perSecond),
  };
}
