import { notFound } from '../../../errors.js';
import { findVerificationRows } from '../../../store/repositories/attempt-repository.js';
import { isLocked } from '../../users/lockout.js';
import { checkEmailCode, sendEmailCode } from '../../verifications/email-codes.js';
import type { FirstFactorStrategyName, SupportedFirstFactor } from '../sign-in.js';
import { signInEmailAddress } from './email-address.js';
import type { FirstFactorStrategy } from './index.js';

/**
 * A 6-digit code mailed to the account's email address. The same mechanism serves sign-in
 * (`email_code`) and a forgotten password (`reset_password_email_code`), which then asks for a
 * new password before the sign-in completes.
 */
function emailCodeStrategy(strategy: Extract<FirstFactorStrategyName, 'email_code' | 'reset_password_email_code'>): FirstFactorStrategy {
  const purpose = strategy === 'email_code' ? 'verify' : 'reset_password';
  const openWhileLocked = strategy === 'reset_password_email_code';
  return {
    openWhileLocked,
    offers(subject): SupportedFirstFactor[] {
      const { settings } = subject;
      const enabled =
        strategy === 'email_code'
          ? settings.email_address.enabled && settings.email_address.used_for_first_factor && settings.email_address.first_factors.includes('email_code')
          : settings.password.enabled && settings.email_address.enabled;
      const address = enabled ? signInEmailAddress(subject) : undefined;
      if (!address) return [];
      return [{ strategy, safeIdentifier: address.email_address, emailAddressId: address.id, primary: address.id === subject.user.row.primary_email_address_id }];
    },

    async prepare(ctx, subject) {
      const address = signInEmailAddress(subject);
      if (!address) throw notFound();
      return sendEmailCode(ctx, { clientId: subject.signIn.client_id, strategy, to: address.email_address, emailAddressId: address.id, userId: subject.user.row.id, purpose });
    },

    async attempt(ctx, { signIn, user }, input) {
      const verificationId = signIn.first_factor_verification_id;
      // A locked account's reset code is bounded by the code's own attempts, not by the lock it is lifting.
      const countsTowardLockout = !(openWhileLocked && isLocked(user.row, ctx.now()));
      await checkEmailCode(ctx, { verificationId, strategy, code: input.code ?? '', userId: countsTowardLockout ? user.row.id : null });
      return {
        async record(trx) {
          const [row] = await findVerificationRows(trx, verificationId ? [verificationId] : []);
          if (!row) throw notFound();
          return row;
        },
      };
    },
  };
}

export const emailCodeStrategyForSignIn = emailCodeStrategy('email_code');
export const resetPasswordEmailCodeStrategy = emailCodeStrategy('reset_password_email_code');
