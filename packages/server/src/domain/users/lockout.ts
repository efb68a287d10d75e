import { GatehouseError } from '../../errors.js';
import { clearVerificationAttempts, loadUserRecord, readVerificationStanding, reserveVerificationAttempt } from '../../store/repositories/user-repository.js';
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

/** Refuses a banned or locked user; the standing comes from `readVerificationStanding`. */
export function assertMayVerify(standing: { banned: number; locked_until: number | null }, now: number): void {
  if (standing.banned === 1) throw new GatehouseError('user_banned');
  if (standing.locked_until !== null && standing.locked_until > now) throw lockedError(standing.locked_until, now);
}

/**
 * Runs `check` as one counted attempt for `userId`. It resolves to its value, or to `false` for a
 * wrong answer, which throws `wrong()` — or `user_locked` when that failure used the last attempt.
 */
export async function verifyUnderLockout<T>(ctx: DomainContext, userId: string, check: () => Promise<T | false>, wrong: () => GatehouseError): Promise<T> {
  const { maxAttempts, durationSeconds } = ctx.policy.lockout;
  const now = ctx.now();
  const reserved = await reserveVerificationAttempt(ctx.store.db, userId, { now, maxAttempts, lockUntil: now + durationSeconds * 1000 });
  if (!reserved) {
    const standing = await readVerificationStanding(ctx.store.db, userId);
    if (standing?.banned === 1) throw new GatehouseError('user_banned');
    // Locked, or the last attempts are being evaluated right now and will lock it if they fail.
    throw lockedError(standing?.locked_until ?? now + durationSeconds * 1000, now);
  }
  const result = await check();
  if (result !== false) {
    await clearVerificationAttempts(ctx.store.db, userId, reserved.attempts >= maxAttempts ? reserved.lockedUntil : null);
    return result;
  }
  if (reserved.attempts < maxAttempts || reserved.lockedUntil === null) throw wrong();
  await recordLockout(ctx, userId, reserved.lockedUntil);
  throw lockedError(reserved.lockedUntil, ctx.now());
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
