import { createHmac } from 'node:crypto';
import { BACKUP_CODE_COUNT, newBackupCode, normalizeBackupCode } from '../../crypto/backup-codes.js';
import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { consumeBackupCode, deleteBackupCodes, replaceBackupCodes } from '../../store/repositories/second-factor-repository.js';
import { lockUserRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import { checkUnderLockout, type LockoutPass } from '../users/lockout.js';
import { recordSecurityEvent, recordUserChange, userPayload } from '../users/user-events.js';
import { syncSecondFactorFlags } from './second-factors.js';

/**
 * Backup codes: ten single-use codes that stand in for the authenticator app when it is lost. Only
 * a hash keyed with the instance's verification key is stored, so a copy of the store yields none;
 * a new set voids the old one.
 */
export interface BackupCodeSet {
  id: string;
  codes: string[];
  createdAt: number;
}

function codeDigest(ctx: DomainContext, userId: string, code: string): string {
  return createHmac('sha256', ctx.verificationKey).update(`backup_code\0${userId}\0${normalizeBackupCode(code)}`).digest('hex');
}

/** Replaces the user's codes with `codes` (new ones unless given, as an import gives them), in the caller's transaction. */
export async function storeBackupCodes(ctx: DomainContext, trx: Executor, userId: string, now: number, codes: readonly string[] = []): Promise<BackupCodeSet> {
  const issued = codes.length > 0 ? [...codes] : Array.from({ length: BACKUP_CODE_COUNT }, newBackupCode);
  const digests = [...new Set(issued.map((code) => codeDigest(ctx, userId, code)))];
  await replaceBackupCodes(
    trx,
    userId,
    digests.map((digest) => ({ id: newId('bcode', now), user_id: userId, code_digest: digest, used_at: null, created_at: now })),
  );
  return { id: newId('bcode', now), codes: issued, createdAt: now };
}

/** A new set of codes for someone with an authenticator app (`/me/backup_codes`); the old set stops working. */
export async function regenerateBackupCodes(ctx: DomainContext, userId: string): Promise<BackupCodeSet> {
  if (!(await readInstanceSettings(ctx)).multi_factor.backup_code) throw new GatehouseError('not_allowed_access');
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    // Backup codes stand in for a factor: without one there is nothing for them to back up.
    if (user.totp_enabled !== 1) throw new GatehouseError('totp_not_enabled');
    const before = await userPayload(ctx, trx, userId);
    const set = await storeBackupCodes(ctx, trx, userId, now);
    await syncSecondFactorFlags(trx, user, now);
    await recordSecurityEvent(ctx, trx, 'user.backup_codes_generated', userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
    return set;
  });
}

/** Removes every backup code the user has (Backend API); false when there were none. */
export async function removeBackupCodes(ctx: DomainContext, userId: string): Promise<boolean> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    if (!(await deleteBackupCodes(trx, userId))) return false;
    await syncSecondFactorFlags(trx, user, now);
    await recordSecurityEvent(ctx, trx, 'user.backup_codes_removed', userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
    return true;
  });
}

/**
 * One backup code as one attempt under the lockout: it is used up as it is checked, so two
 * requests with the same code cannot both pass.
 */
export async function checkBackupCode(ctx: DomainContext, userId: string, code: string, options: { provisional?: boolean } = {}): Promise<LockoutPass<true>> {
  return checkUnderLockout(
    ctx,
    userId,
    async () => ((await useBackupCode(ctx, userId, code)) ? true : false),
    () => new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } }),
    options,
  );
}

/** Uses up `code` if it is one of the user's backup codes; the caller runs it under the lockout. */
export async function useBackupCode(ctx: DomainContext, userId: string, code: string): Promise<boolean> {
  return consumeBackupCode(ctx.store.db, userId, codeDigest(ctx, userId, code), ctx.now());
}
