import { GatehouseError } from '../../errors.js';
import { clearVerificationAttempts, loadUserRecord, readVerificationStanding, releaseVerificationAttempt, reserveVerificationAttempt } from '../../store/repositories/user-repository.js';
import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { eventData } from '../events/catalog.js';
import { toUser } from './to-user.js';
import { recordSecurityEvent, recordUserChange } from './user-events.js';

/**
 * The lockout every factor check goes through (passwords here; codes and second factors as they
 * arrive): each attempt is counted before it is evaluated, `maxAttempts` consecutive failures lock
 * the user for `durationSeconds`, a success starts the count again. Banned and locked users are
 * refused before anything is evaluated.
 */

export function lockedError(lockedUntil: number, now: number): GatehouseError {
  return new GatehouseError('user_locked', { meta: { lockout_expires_in_seconds: Math.max(1, Math.ceil((lockedUntil - now) / 1000)) } });
}

/**
 * Refuses a banned or locked user; the standing comes from `readVerificationStanding`. With
 * `evenLocked`, a locked user may go on: the forgotten-password reset by email stays open to them.
 */
export function assertMayVerify(standing: { banned: number; locked_until: number | null }, now: number, options: { evenLocked?: boolean } = {}): void {
  if (standing.banned === 1) throw new GatehouseError('user_banned');
  if (!options.evenLocked && isLocked(standing, now)) throw lockedError(standing.locked_until!, now);
}

export function isLocked(standing: { locked_until: number | null }, now: number): boolean {
  return standing.locked_until !== null && standing.locked_until > now;
}

/** A check that passed under the lockout; the count starts again when `settle` runs. */
export interface LockoutPass<T> {
  value: T;
  /** Clears the count, in the transaction that acts on the success (or on its own). */
  settle(db: Executor): Promise<void>;
}

/**
 * Runs `check` as one counted attempt for `userId`. It resolves to its value, or to `false` for a
 * wrong answer, which throws `wrong()` — or `user_locked` when that failure used the last attempt.
 * The count is visible to every process before the check runs. With `provisional`, the caller
 * promises a synced write of the outcome either way, which makes the count durable with it.
 */
export async function checkUnderLockout<T>(
  ctx: DomainContext,
  userId: string,
  check: () => Promise<T | false>,
  wrong: () => GatehouseError,
  options: { provisional?: boolean } = {},
): Promise<LockoutPass<T>> {
  const { maxAttempts, durationSeconds } = ctx.policy.lockout;
  const now = ctx.now();
  const limits = { now, maxAttempts, lockUntil: now + durationSeconds * 1000 };
  const reserved = options.provisional
    ? await ctx.store.provisional((db) => reserveVerificationAttempt(db, userId, limits))
    : await reserveVerificationAttempt(ctx.store.db, userId, limits);
  if (!reserved) {
    const standing = await readVerificationStanding(ctx.store.db, userId);
    if (standing?.banned === 1) throw new GatehouseError('user_banned');
    // Locked, or the last attempts are being evaluated right now and will lock it if they fail.
    throw lockedError(standing?.locked_until ?? now + durationSeconds * 1000, now);
  }
  let result: T | false;
  try {
    result = await check();
  } catch (error) {
    // Refused before any secret was compared (a code already used or expired): not a guess.
    await releaseVerificationAttempt(ctx.store.db, userId, reserved.attempts >= maxAttempts ? reserved.lockedUntil : null);
    throw error;
  }
  if (result !== false) {
    // A success on the last attempt lifts the lock that attempt set, and no other.
    const lockedUntil = reserved.attempts >= maxAttempts ? reserved.lockedUntil : null;
    return { value: result, settle: (db) => clearVerificationAttempts(db, userId, lockedUntil) };
  }
  if (reserved.attempts < maxAttempts || reserved.lockedUntil === null) throw wrong();
  await recordLockout(ctx, userId, reserved.lockedUntil);
  throw lockedError(reserved.lockedUntil, ctx.now());
}

/** `checkUnderLockout`, with the count cleared at once on success. */
export async function verifyUnderLockout<T>(ctx: DomainContext, userId: string, check: () => Promise<T | false>, wrong: () => GatehouseError): Promise<T> {
  const pass = await checkUnderLockout(ctx, userId, check, wrong);
  await pass.settle(ctx.store.db);
  return pass.value;
}

/**
 * The attempt that took the last one failed: its lock stands, so it is announced (audit, and
 * `user.updated` with the user as it stood before that attempt). Nothing is appended if the lock
 * was lifted in the meantime.
 */
async function recordLockout(ctx: DomainContext, userId: string, lockedUntil: number): Promise<void> {
  await ctx.store.transaction(async (trx) => {
    const record = await loadUserRecord(trx, userId);
    if (!record || record.row.locked_until !== lockedUntil) return;
    const beforeRow = { ...record.row, locked_until: null, failed_verification_attempts: record.row.failed_verification_attempts - 1 };
    const before = eventData('user.updated', toUser({ ...record, row: beforeRow }, ctx));
    await recordSecurityEvent(ctx, trx, 'user.locked', userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
}
