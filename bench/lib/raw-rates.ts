/**
 * The references token figures are read against: raw RS256 signatures and verifications with
 * node:crypto, each rate measured between a quiet gate and CPU samples.
 */
import { sign as signSync, verify as verifySync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { verifyToken } from '@clerk/backend';
import type { Contention } from './contention.js';
import { measureRate, repeatFor, repeatSyncFor } from './rate.js';

const signAsync = promisify(signSync);

export interface Rate {
  label: string;
  operations: number;
  seconds: number;
  perSecond: number;
  inFlight: number;
  contention: Contention;
}

/** Runs `work` (which returns how many operations it did) between a quiet gate and CPU samples. */
export async function measured(
  label: string,
  inFlight: number,
  ownPids: () => Promise<readonly number[]>,
  quietWaitSeconds: number,
  work: () => Promise<number>,
): Promise<Rate> {
  const { operations, seconds, perSecond, contention } = await measureRate(ownPids, quietWaitSeconds, work);
  return { label, operations, seconds, perSecond, inFlight, contention };
}

/** Synchronous sign in a loop on the main thread: one core. */
export function signLoopSync(key: KeyObject, data: Buffer, seconds: number): Promise<number> {
  return repeatSyncFor(seconds, () => signSync('sha256', data, key));
}

/** Callback-form sign (libuv thread pool) with `inFlight` outstanding at all times. */
export function signLoopAsync(key: KeyObject, data: Buffer, seconds: number, inFlight: number): Promise<number> {
  return repeatFor(seconds, inFlight, () => signAsync('sha256', data, key));
}

export function verifyTokenLoop(jwt: string, options: { secretKey: string; apiUrl: string }, seconds: number): Promise<number> {
  return repeatFor(seconds, 1, () => verifyToken(jwt, options));
}

export function verifyLoopSync(key: KeyObject, data: Buffer, signature: Buffer, seconds: number): Promise<number> {
  return repeatSyncFor(seconds, () => {
    if (!verifySync('sha256', data, key, signature)) throw new Error('raw verification failed');
  });
}
