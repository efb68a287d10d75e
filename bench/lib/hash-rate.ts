/**
 * The references password work is read against, in this process: the server's own argon2id
 * hashing (creates) and its own check of a stored password (sign-ins).
 */
import { hashPassword } from '../../packages/server/src/crypto/password/index.js';
import { normalizePassword } from '../../packages/server/src/domain/passwords/password-policy.js';
import { checkStoredPassword, NATIVE_HASHER } from '../../packages/server/src/domain/users/password-credential.js';
import type { Contention } from './contention.js';
import { measureRate, repeatFor } from './rate.js';
import { sum } from './stats.js';

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

/**
 * Checks/s of a password against its stored digest, as a sign-in checks it (`checkStoredPassword`:
 * normalization, then argon2id verification with the parameters the digest carries, which are the
 * server's own), at the given number in flight, for `seconds`.
 */
export async function measureVerifyRateOnce(
  serverPids: () => Promise<readonly number[]>,
  quietWaitSeconds: number,
  stored: { digest: string; password: string },
  concurrency: number,
  seconds: number,
): Promise<HashRate> {
  const check = async () => {
    if (!(await checkStoredPassword({ digest: stored.digest, hasher: NATIVE_HASHER }, stored.password)).matches) throw new Error('raw argon2id check: the password does not match');
  };
  await check(); // load the native binding before the clock starts
  const rate = await measureRate(serverPids, quietWaitSeconds, () => repeatFor(seconds, concurrency, check));
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
