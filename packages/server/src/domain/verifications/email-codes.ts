import { GatehouseError } from '../../errors.js';
import { findVerificationRows } from '../../store/repositories/attempt-repository.js';
import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { queueEmail } from '../email/outbox.js';
import { passwordResetCodeEmail, verificationCodeEmail } from '../email/templates.js';
import { verifyUnderLockout } from '../users/lockout.js';
import { attemptCode, CODE_LIFETIME_MS, startCodeVerification, toVerification } from './verifications.js';

/**
 * A code sent to an email address: the verification and its mail are written in one transaction,
 * so a code the person is told about is never lost, and one that was never sent never counts.
 */
export async function sendEmailCode(
  ctx: DomainContext,
  input: { clientId: string; strategy: string; to: string; emailAddressId: string | null; userId: string | null; purpose: 'verify' | 'reset_password' },
): Promise<string> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx: Executor) => {
    const { id, code } = await startCodeVerification(ctx, trx, { clientId: input.clientId, strategy: input.strategy, emailAddressId: input.emailAddressId }, now);
    const content = { applicationName: ctx.policy.applicationName, code, expiresInMinutes: CODE_LIFETIME_MS / 60_000 };
    const mail = input.purpose === 'reset_password' ? passwordResetCodeEmail(content) : verificationCodeEmail(content);
    await queueEmail(trx, { to: input.to, kind: input.purpose === 'reset_password' ? 'password_reset_code' : 'verification_code', userId: input.userId, ...mail }, now);
    return id;
  });
}

/**
 * Checks a code against the verification `verificationId` names; for a known user the attempt also
 * counts toward the account lockout, so guessing codes is bounded like guessing passwords.
 */
export async function checkEmailCode(ctx: DomainContext, input: { verificationId: string | null; strategy: string; code: string; userId: string | null }): Promise<void> {
  const [row] = await findVerificationRows(ctx.store.db, input.verificationId ? [input.verificationId] : []);
  if (!row || row.strategy !== input.strategy) throw new GatehouseError('verification_missing', { meta: { strategy: input.strategy } });
  const verification = toVerification(row, ctx.now());
  const attempt = async (): Promise<true | false> => {
    try {
      await attemptCode(ctx, verification, input.code);
      return true;
    } catch (error) {
      if (error instanceof GatehouseError && error.code === 'form_code_incorrect') return false;
      throw error;
    }
  };
  if (!input.userId) {
    if (!(await attempt())) throw new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } });
    return;
  }
  await verifyUnderLockout(ctx, input.userId, attempt, () => new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } }));
}
