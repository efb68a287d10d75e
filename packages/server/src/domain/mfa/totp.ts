import { newId } from '../../crypto/ids.js';
import { open, seal } from '../../crypto/secret-box.js';
import { matchTotpStep, newTotpSecret, totpUri } from '../../crypto/totp.js';
import { GatehouseError, notFound } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { claimTotpStep, deleteBackupCodes, deleteTotp, findTotpRow, replacePendingTotp, type TotpRow } from '../../store/repositories/second-factor-repository.js';
import { stampFactorVerified } from '../../store/repositories/session-repository.js';
import { lockUserRow, loadUserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import { checkUnderLockout, verifyUnderLockout, type LockoutPass } from '../users/lockout.js';
import { recordSecurityEvent, recordUserChange, userPayload } from '../users/user-events.js';
import { storeBackupCodes } from './backup-codes.js';
import { syncSecondFactorFlags } from './second-factors.js';

/**
 * An authenticator app (TOTP, RFC 6238). Enrolling shows the secret once; the first code from the
 * app confirms it. The secret is sealed with the instance key; each code is good once, as the
 * latest time step used is kept and no step up to it is accepted again.
 */
export interface TotpEnrollment {
  id: string;
  /** Shown only when the enrollment starts. */
  secret: string | null;
  uri: string | null;
  verified: boolean;
  /** The backup codes issued with a confirmation, shown then only. */
  backupCodes: string[] | null;
  createdAt: number;
  updatedAt: number;
}

const sealContext = (totpId: string) => `totp:${totpId}`;

function wrongCode(): GatehouseError {
  return new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } });
}

function openSecret(ctx: DomainContext, row: TotpRow): string {
  return open(row.secret, ctx.encryptionKey, sealContext(row.id));
}

/** Stores a TOTP secret as verified, as an import gives it (`POST /v1/users` with `totp_secret`), in the caller's transaction. */
export async function storeVerifiedTotp(ctx: DomainContext, trx: Executor, userId: string, secret: string, now: number): Promise<void> {
  const id = newId('totp', now);
  await deleteTotp(trx, userId);
  await replacePendingTotp(trx, { id, user_id: userId, secret: seal(secret, ctx.encryptionKey, sealContext(id)), verified_at: now, last_used_step: null, created_at: now, updated_at: now });
}

/** Starts enrolling an authenticator app; a previous unconfirmed enrollment is replaced. */
export async function startTotpEnrollment(ctx: DomainContext, userId: string): Promise<TotpEnrollment> {
  if (!(await readInstanceSettings(ctx)).multi_factor.authenticator_app) throw new GatehouseError('not_allowed_access');
  const now = ctx.now();
  const secret = newTotpSecret();
  const id = newId('totp', now);
  await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    if (user.totp_enabled === 1) throw new GatehouseError('totp_already_enabled');
    await replacePendingTotp(trx, { id, user_id: userId, secret: seal(secret, ctx.encryptionKey, sealContext(id)), verified_at: null, last_used_step: null, created_at: now, updated_at: now });
  });
  const record = await loadUserRecord(ctx.store.db, userId);
  const primary = record?.emailAddresses.find((e) => e.id === record.row.primary_email_address_id)?.email_address;
  const label = primary ?? record?.row.username ?? userId;
  return { id, secret, uri: totpUri(secret, ctx.policy.applicationName, label), verified: false, backupCodes: null, createdAt: now, updatedAt: now };
}

/**
 * Confirms an enrollment with the first code from the app (counted by the lockout). Two-step
 * verification is then on; someone without backup codes gets a set, shown in this reply only;
 * the session that confirmed it has verified its second factor now.
 */
export async function confirmTotpEnrollment(ctx: DomainContext, userId: string, code: string, options: { sessionId?: string } = {}): Promise<TotpEnrollment> {
  const pending = await findTotpRow(ctx.store.db, userId);
  if (!pending || pending.verified_at !== null) throw notFound();
  const secret = openSecret(ctx, pending);
  const step = await verifyUnderLockout(ctx, userId, async () => matchTotpStep(secret, code, ctx.now()) ?? false, wrongCode);
  const now = ctx.now();
  const settings = await readInstanceSettings(ctx);
  const backupCodes = await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    // Confirmed and the step spent in one write: a second confirmation with the same code loses.
    if (!(await claimTotpStep(trx, pending.id, step, now, true))) throw wrongCode();
    const issued = settings.multi_factor.backup_code && user.backup_code_enabled !== 1 ? (await storeBackupCodes(ctx, trx, userId, now)).codes : null;
    await syncSecondFactorFlags(trx, user, now);
    // The code just given proves the factor in the session that gave it.
    if (options.sessionId) await stampFactorVerified(trx, options.sessionId, 'second', now);
    await recordSecurityEvent(ctx, trx, 'user.totp_enabled', userId);
    if (issued) await recordSecurityEvent(ctx, trx, 'user.backup_codes_generated', userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
    return issued;
  });
  return { id: pending.id, secret: null, uri: null, verified: true, backupCodes, createdAt: pending.created_at, updatedAt: now };
}

/**
 * Removes the authenticator app (confirmed or not). Backup codes go with it: they back up a factor
 * and are no second factor of their own. Resolves with the removed TOTP's id.
 */
export async function removeTotp(ctx: DomainContext, userId: string): Promise<string> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    const row = await findTotpRow(trx, userId);
    if (!row) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    await deleteTotp(trx, userId);
    if (row.verified_at !== null) {
      const hadCodes = await deleteBackupCodes(trx, userId);
      await syncSecondFactorFlags(trx, user, now);
      await recordSecurityEvent(ctx, trx, 'user.totp_disabled', userId);
      if (hadCodes) await recordSecurityEvent(ctx, trx, 'user.backup_codes_removed', userId);
      await recordUserChange(ctx, trx, userId, 'user.updated', before);
    }
    return row.id;
  });
}

/**
 * One code from the user's confirmed authenticator app as one attempt under the lockout. A code
 * of the step last used, or of an earlier one, is refused like a wrong code, also when two
 * requests bring it at once.
 */
export async function checkTotpCode(ctx: DomainContext, userId: string, code: string, options: { provisional?: boolean } = {}): Promise<LockoutPass<number>> {
  const answer = await appCodeAnswer(ctx, userId);
  return checkUnderLockout(ctx, userId, () => answer(code), wrongCode, options);
}

/**
 * What checks a code against the user's confirmed app, claiming its step (the step, or false);
 * the caller runs it under the lockout.
 */
export async function appCodeAnswer(ctx: DomainContext, userId: string): Promise<(code: string) => Promise<number | false>> {
  const row = await findTotpRow(ctx.store.db, userId);
  if (!row || row.verified_at === null) throw new GatehouseError('totp_not_enabled');
  const secret = openSecret(ctx, row);
  return async (code) => {
    const now = ctx.now();
    const step = matchTotpStep(secret, code, now);
    if (step === undefined) return false;
    return (await claimTotpStep(ctx.store.db, row.id, step, now, false)) ? step : false;
  };
}
