import { findEmailAddressRow } from '../../../store/repositories/identification-repository.js';
import { notFound } from '../../../errors.js';
import { checkEmailCode, sendEmailCode } from '../../verifications/email-codes.js';
import type { FirstFactorStrategyName, SupportedFirstFactor } from '../sign-in.js';
import type { FirstFactorStrategy, SignInSubject } from './index.js';

/** The verified email address a code goes to: the one the person signed in with, else the primary. */
function targetAddress({ signIn, user }: SignInSubject) {
  const verified = user.emailAddresses.filter((e) => e.verification_status === 'verified');
  return verified.find((e) => e.id === signIn.email_address_id) ?? verified.find((e) => e.id === user.row.primary_email_address_id) ?? verified[0];
}

/**
 * A 6-digit code mailed to the account's email address. The same mechanism serves sign-in
 * (`email_code`) and a forgotten password (`reset_password_email_code`), which then asks for a
 * new password before the sign-in completes.
 */
function emailCodeStrategy(strategy: Extract<FirstFactorStrategyName, 'email_code' | 'reset_password_email_code'>): FirstFactorStrategy {
  const purpose = strategy === 'email_code' ? 'verify' : 'reset_password';
  return {
    offers(subject): SupportedFirstFactor[] {
      const { settings } = subject;
      const enabled =
        strategy === 'email_code'
          ? settings.email_address.enabled && settings.email_address.used_for_first_factor && settings.email_address.first_factors.includes('email_code')
          : settings.password.enabled && settings.email_address.enabled;
      const address = enabled ? targetAddress(subject) : undefined;
      if (!address) return [];
      return [{ strategy, safeIdentifier: address.email_address, emailAddressId: address.id, primary: address.id === subject.user.row.primary_email_address_id }];
    },

    async prepare(ctx, subject) {
      const address = targetAddress(subject);
      if (!address) throw notFound();
      const row = await findEmailAddressRow(ctx.store.db, address.id);
      if (!row) throw notFound();
      return sendEmailCode(ctx, { clientId: subject.signIn.client_id, strategy, to: row.email_address, emailAddressId: row.id, userId: subject.user.row.id, purpose });
    },

    async attempt(ctx, { signIn, user }, input) {
      const verificationId = signIn.first_factor_verification_id;
      await checkEmailCode(ctx, { verificationId, strategy, code: input.code ?? '', userId: user.row.id });
      return verificationId!;
    },
  };
}

export const emailCodeStrategyForSignIn = emailCodeStrategy('email_code');
export const resetPasswordEmailCodeStrategy = emailCodeStrategy('reset_password_email_code');
