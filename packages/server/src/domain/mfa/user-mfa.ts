import { GatehouseError, notFound } from '../../errors.js';
import { countUnusedBackupCodes, deleteBackupCodes, deleteTotp } from '../../store/repositories/second-factor-repository.js';
import { loadUserRecord, lockUserRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { checkUnderLockout } from '../users/lockout.js';
import { recordSecurityEvent, recordUserChange, userPayload } from '../users/user-events.js';
import { useBackupCode } from './backup-codes.js';
import { hasSecondFactor, syncSecondFactorFlags } from './second-factors.js';
import { appCodeAnswer } from './totp.js';

/** A user's two-step verification as an operator (or an agent) sees it. */
export interface MfaState {
  userId: string;
  twoFactorEnabled: boolean;
  totpEnabled: boolean;
  backupCodeEnabled: boolean;
  backupCodesRemaining: number;
  mfaEnabledAt: number | null;
  mfaDisabledAt: number | null;
}

export async function readMfaState(ctx: DomainContext, userId: string): Promise<MfaState> {
  const record = await loadUserRecord(ctx.store.db, userId);
  if (!record) throw notFound();
  const { row } = record;
  return {
    userId,
    twoFactorEnabled: hasSecondFactor(row),
    totpEnabled: row.totp_enabled === 1,
    backupCodeEnabled: row.backup_code_enabled === 1,
    backupCodesRemaining: row.backup_code_enabled === 1 ? await countUnusedBackupCodes(ctx.store.db, userId) : 0,
    mfaEnabledAt: row.mfa_enabled_at,
    mfaDisabledAt: row.mfa_disabled_at,
  };
}

/** Removes every second factor the user has (`DELETE /v1/users/{id}/mfa`), for someone who lost them all. */
export async function resetUserMfa(ctx: DomainContext, userId: string): Promise<void> {
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    const hadTotp = await deleteTotp(trx, userId);
    const hadCodes = await deleteBackupCodes(trx, userId);
    await syncSecondFactorFlags(trx, user, now);
    if (hadTotp && user.totp_enabled === 1) await recordSecurityEvent(ctx, trx, 'user.totp_disabled', userId);
    if (hadCodes) await recordSecurityEvent(ctx, trx, 'user.backup_codes_removed', userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
}

export type SecondFactorCodeType = 'totp' | 'backup_code';

/**
 * Checks a code from the authenticator app, or a backup code (used up if right), as one attempt
 * under the lockout (`POST /v1/users/{id}/verify_totp`). Six digits are tried as the app's code
 * first; a backup code imported from elsewhere may be six digits too, so it is tried next.
 */
export async function verifySecondFactorCode(ctx: DomainContext, userId: string, code: string): Promise<SecondFactorCodeType> {
  const record = await loadUserRecord(ctx.store.db, userId);
  if (!record) throw notFound();
  if (!hasSecondFactor(record.row)) throw new GatehouseError('totp_not_enabled');
  const app = record.row.totp_enabled === 1 ? await appCodeAnswer(ctx, userId) : undefined;
  const backupCodes = record.row.backup_code_enabled === 1;
  const pass = await checkUnderLockout(
    ctx,
    userId,
    async (): Promise<SecondFactorCodeType | false> => {
      if (app && /^\d{6}$/.test(code.trim()) && (await app(code)) !== false) return 'totp';
      if (backupCodes && (await useBackupCode(ctx, userId, code))) return 'backup_code';
      return false;
    },
    () => new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } }),
  );
  await pass.settle(ctx.store.db);
  return pass.value;
}
