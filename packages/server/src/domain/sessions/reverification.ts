import { GatehouseError, notFound, paramError } from '../../errors.js';
import { findVerificationRows } from '../../store/repositories/attempt-repository.js';
import { findReverification, resetReverification, updateReverification, type SessionReverificationRow } from '../../store/repositories/reverification-repository.js';
import { findSessionRowById, stampFactorVerified } from '../../store/repositories/session-repository.js';
import { loadUserRecord, type UserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { checkBackupCode } from '../mfa/backup-codes.js';
import { hasSecondFactor } from '../mfa/second-factors.js';
import { checkTotpCode } from '../mfa/totp.js';
import { checkUnderLockout } from '../users/lockout.js';
import { checkStoredPassword } from '../users/password-credential.js';
import { sendEmailCode, checkEmailCode } from '../verifications/email-codes.js';
import { recordVerified, toVerification, type Verification } from '../verifications/verifications.js';
import type { SignedIn } from './signed-in.js';

/**
 * Step-up verification of a signed-in session (Clerk's session reverification): before a
 * sensitive change the person proves again who they are, at the level asked for — the first
 * factor (password or an emailed code), the second (an app code or a backup code), or both. What
 * is proven is stamped on the session, so the token's `fva` shows how fresh each factor is.
 */
export const REVERIFICATION_LEVELS = ['first_factor', 'second_factor', 'multi_factor'] as const;
export type ReverificationLevel = (typeof REVERIFICATION_LEVELS)[number];

export interface SessionReverification {
  sessionId: string;
  level: ReverificationLevel;
  status: 'needs_first_factor' | 'needs_second_factor' | 'complete';
  supportedFirstFactors: { strategy: 'password' | 'email_code'; safeIdentifier?: string; emailAddressId?: string; primary?: boolean }[];
  supportedSecondFactors: { strategy: 'totp' | 'backup_code' }[] | null;
  firstFactorVerification: Verification | null;
  secondFactorVerification: Verification | null;
}

function primaryEmail(user: UserRecord) {
  return user.emailAddresses.find((e) => e.id === user.row.primary_email_address_id && e.verification_status === 'verified');
}

function toReverification(row: SessionReverificationRow, user: UserRecord, verifications: { first: Verification | null; second: Verification | null }): SessionReverification {
  const level = row.level as ReverificationLevel;
  const twoStep = hasSecondFactor(user.row);
  // Someone without a second factor proves the first one instead.
  const needsFirst = level !== 'second_factor' || !twoStep;
  const needsSecond = level !== 'first_factor' && twoStep;
  const firstDone = verifications.first?.status === 'verified';
  const secondDone = verifications.second?.status === 'verified';
  const status = needsFirst && !firstDone ? 'needs_first_factor' : needsSecond && !secondDone ? 'needs_second_factor' : 'complete';
  const email = primaryEmail(user);
  return {
    sessionId: row.session_id,
    level,
    status,
    supportedFirstFactors: [
      ...(user.row.password_digest !== null ? [{ strategy: 'password' as const }] : []),
      ...(email ? [{ strategy: 'email_code' as const, safeIdentifier: email.email_address, emailAddressId: email.id, primary: true }] : []),
    ],
    supportedSecondFactors: twoStep
      ? [...(user.row.totp_enabled === 1 ? [{ strategy: 'totp' as const }] : []), ...(user.row.backup_code_enabled === 1 ? [{ strategy: 'backup_code' as const }] : [])]
      : null,
    firstFactorVerification: verifications.first,
    secondFactorVerification: verifications.second,
  };
}

async function load(ctx: DomainContext, me: SignedIn): Promise<{ row: SessionReverificationRow; user: UserRecord; view: SessionReverification }> {
  const [row, user] = await Promise.all([findReverification(ctx.store.db, me.sessionId), loadUserRecord(ctx.store.db, me.userId)]);
  if (!row || !user) throw notFound();
  const ids = [row.first_factor_verification_id, row.second_factor_verification_id].filter((id): id is string => id !== null);
  const rows = await findVerificationRows(ctx.store.db, ids);
  const now = ctx.now();
  const byId = (id: string | null) => {
    const found = rows.find((r) => r.id === id);
    return found ? toVerification(found, now) : null;
  };
  return { row, user, view: toReverification(row, user, { first: byId(row.first_factor_verification_id), second: byId(row.second_factor_verification_id) }) };
}

export async function startReverification(ctx: DomainContext, me: SignedIn, level: ReverificationLevel): Promise<SessionReverification> {
  await resetReverification(ctx.store.db, me.sessionId, level, ctx.now());
  return (await load(ctx, me)).view;
}

function stepInvalid(status: string): GatehouseError {
  return new GatehouseError('sign_in_step_invalid', { meta: { status } });
}

function assertOffered(offered: { strategy: string }[] | null, strategy: string): void {
  if (!offered?.some((f) => f.strategy === strategy)) throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
}

/** Mails a code for the first factor (`email_code`); the other first factors need nothing sent. */
export async function prepareReverificationFirstFactor(ctx: DomainContext, me: SignedIn, input: { strategy: string; emailAddressId?: string | undefined }): Promise<SessionReverification> {
  const { view, user } = await load(ctx, me);
  if (view.status !== 'needs_first_factor') throw stepInvalid(view.status);
  assertOffered(view.supportedFirstFactors, input.strategy);
  if (input.strategy === 'email_code') {
    const email = primaryEmail(user);
    if (!email || (input.emailAddressId && input.emailAddressId !== email.id)) throw paramError('form_param_value_invalid', 'email_address_id', 'email_address_id must be your primary email address.');
    const verificationId = await sendEmailCode(ctx, { clientId: me.clientId, strategy: 'email_code', to: email.email_address, emailAddressId: email.id, userId: me.userId, purpose: 'verify' });
    await updateReverification(ctx.store.db, me.sessionId, { first_factor_verification_id: verificationId, updated_at: ctx.now() });
  }
  return (await load(ctx, me)).view;
}

/** Checks the first factor (counted by the lockout) and stamps it on the session. */
export async function attemptReverificationFirstFactor(ctx: DomainContext, me: SignedIn, input: { strategy: string; password?: string | undefined; code?: string | undefined }): Promise<SessionReverification> {
  const { row, user, view } = await load(ctx, me);
  if (view.status !== 'needs_first_factor') throw stepInvalid(view.status);
  assertOffered(view.supportedFirstFactors, input.strategy);
  const now = ctx.now();
  if (input.strategy === 'password') {
    const { password_digest: digest, password_hasher: hasher } = user.row;
    if (digest === null || hasher === null) throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
    const pass = await checkUnderLockout(
      ctx,
      me.userId,
      async () => ((await checkStoredPassword({ digest, hasher }, input.password ?? '')).matches ? true : false),
      () => new GatehouseError('form_password_incorrect', { meta: { param_name: 'password' } }),
    );
    await ctx.store.transaction(async (trx) => {
      await pass.settle(trx);
      const verification = await recordVerified(trx, { clientId: me.clientId, strategy: 'password' }, now);
      await updateReverification(trx, me.sessionId, { first_factor_verification_id: verification.id, updated_at: now });
      await stampFactorVerified(trx, me.sessionId, 'first', now);
    });
  } else {
    await checkEmailCode(ctx, { verificationId: row.first_factor_verification_id, strategy: 'email_code', code: input.code ?? '', userId: me.userId });
    await stampFactorVerified(ctx.store.db, me.sessionId, 'first', now);
  }
  return (await load(ctx, me)).view;
}

/** Nothing to send for an app code or a backup code: only confirms the step and the factor. */
export async function prepareReverificationSecondFactor(ctx: DomainContext, me: SignedIn, strategy: string): Promise<SessionReverification> {
  const { view } = await load(ctx, me);
  if (view.status !== 'needs_second_factor') throw stepInvalid(view.status);
  assertOffered(view.supportedSecondFactors, strategy);
  return view;
}

/**
 * Refuses a sensitive change unless the session proved the person recently enough: a second
 * factor within `afterMinutes` (or, for someone without one, the first), as Clerk's `strict`
 * reverification. clerk-js answers the refusal by running the step-up and trying again.
 */
export async function requireRecentVerification(ctx: DomainContext, me: SignedIn, afterMinutes = 10): Promise<void> {
  const [session, user] = await Promise.all([findSessionRowById(ctx.store.db, me.sessionId), loadUserRecord(ctx.store.db, me.userId)]);
  if (!session || !user) throw notFound();
  const verifiedAt = hasSecondFactor(user.row) ? session.second_factor_verified_at : session.first_factor_verified_at;
  if (verifiedAt !== null && ctx.now() - verifiedAt < afterMinutes * 60_000) return;
  throw new GatehouseError('session_reverification_required', { meta: { level: 'second_factor', after_minutes: afterMinutes } });
}

/** Checks an app code or a backup code (counted by the lockout, each good once) and stamps the second factor on the session. */
export async function attemptReverificationSecondFactor(ctx: DomainContext, me: SignedIn, input: { strategy: string; code?: string | undefined }): Promise<SessionReverification> {
  const { view } = await load(ctx, me);
  if (view.status !== 'needs_second_factor') throw stepInvalid(view.status);
  assertOffered(view.supportedSecondFactors, input.strategy);
  const strategy = input.strategy === 'totp' ? 'totp' : 'backup_code';
  const pass = strategy === 'totp' ? await checkTotpCode(ctx, me.userId, input.code ?? '') : await checkBackupCode(ctx, me.userId, input.code ?? '');
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    await pass.settle(trx);
    const verification = await recordVerified(trx, { clientId: me.clientId, strategy }, now);
    await updateReverification(trx, me.sessionId, { second_factor_verification_id: verification.id, updated_at: now });
    await stampFactorVerified(trx, me.sessionId, 'second', now);
  });
  return (await load(ctx, me)).view;
}
