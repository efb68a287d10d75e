import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../crypto/password/index.js';
import { GatehouseError } from '../../errors.js';
import { updateSignInRow, type SignInRow } from '../../store/repositories/attempt-repository.js';
import { loadUserRecord, reserveVerificationAttempt } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { checkPasswordInputSize } from '../passwords/password-policy.js';
import { requireAllowedRedirect } from '../redirects.js';
import type { InstanceSettings } from '../settings/instance-settings.js';
import { checkStoredPassword, NATIVE_HASHER } from '../users/password-credential.js';
import { checkEmailCode } from '../verifications/email-codes.js';
import { startUnanswerableVerification } from '../verifications/email-notices.js';
import type { FirstFactorStrategyName, SupportedFirstFactor } from './sign-in.js';
import { supportedFirstFactors, type SignInSubject } from './strategies/index.js';

/**
 * Enumeration protection (Clerk's strict mode). A sign-in by identifier offers the factors the
 * instance's settings give anyone with that kind of identifier — never the account's own — and a
 * factor the account cannot answer (there is no account, or it has no such factor) is played out
 * as if it could: a code or a link is "sent" (the address gets a notice instead, through the same
 * outbox), a password is hashed against a dummy digest, and every attempt is refused as a wrong one.
 */

/** The factors a sign-in for `row.identifier` offers under protection, the same whoever holds it. */
export function protectedFirstFactors(settings: InstanceSettings, row: Pick<SignInRow, 'identifier' | 'email_address_id'>): SupportedFirstFactor[] {
  const factors: SupportedFirstFactor[] = [];
  if (settings.password.enabled) factors.push({ strategy: 'password' });
  const email = row.identifier?.includes('@') && row.email_address_id !== null && settings.email_address.enabled ? { safeIdentifier: row.identifier, emailAddressId: row.email_address_id, primary: true } : undefined;
  if (!email) return factors;
  const signsIn = settings.email_address.used_for_first_factor;
  if (signsIn && settings.email_address.first_factors.includes('email_code')) factors.push({ strategy: 'email_code', ...email });
  if (signsIn && settings.email_address.first_factors.includes('email_link')) factors.push({ strategy: 'email_link', ...email });
  if (settings.password.enabled) factors.push({ strategy: 'reset_password_email_code', ...email });
  return factors;
}

/** Whether the account behind a sign-in really has `strategy` as a first factor. */
export function answersFactor(subject: SignInSubject | undefined, strategy: string): boolean {
  return subject !== undefined && supportedFirstFactors(subject).some((f) => f.strategy === strategy);
}

/** A digest made with the current parameters, so a password checked against nobody costs what a real check costs. */
let dummyDigest: Promise<string> | undefined;

/** An id no user has: what is read and written for it finds nothing, at the cost of finding something. */
const NOBODY = 'user_00000000000000000000000000';

/** The account read a sign-in for a real account makes after finding its owner, made for nobody. */
export async function readNobody(ctx: DomainContext): Promise<void> {
  await loadUserRecord(ctx.store.db, NOBODY);
}

/**
 * A password checked for nobody: the lockout's count (a write, as for a real account) and the
 * argon2id check against a dummy digest, so the refusal takes as long as a real wrong password's.
 */
async function dummyPasswordCheck(ctx: DomainContext, password: string): Promise<void> {
  const now = ctx.now();
  const { maxAttempts, durationSeconds } = ctx.policy.lockout;
  await ctx.store.provisional((db) => reserveVerificationAttempt(db, NOBODY, { now, maxAttempts, lockUntil: now + durationSeconds * 1000 }));
  dummyDigest ??= hashPassword(randomBytes(18).toString('base64url'));
  await checkStoredPassword({ digest: await dummyDigest, hasher: NATIVE_HASHER }, password);
}

/** `prepare_first_factor` for a factor the account cannot answer: what the page sees is what a real send shows. */
export async function prepareUnanswerable(ctx: DomainContext, row: SignInRow, input: { strategy: FirstFactorStrategyName; redirectUrl?: string | undefined }): Promise<void> {
  const { strategy } = input;
  if (strategy === 'password') return;
  if (strategy === 'email_link') requireAllowedRedirect(ctx, input.redirectUrl);
  if (!row.identifier) throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  const verificationId = await startUnanswerableVerification(ctx, { clientId: row.client_id, strategy, to: row.identifier, emailAddressId: row.email_address_id, notice: 'sign_in_no_account' });
  await updateSignInRow(ctx.store.db, row.id, { first_factor_verification_id: verificationId, updated_at: ctx.now() });
}

/** `attempt_first_factor` for a factor the account cannot answer: always refused, as a wrong answer is. */
export async function refuseUnanswerable(ctx: DomainContext, row: SignInRow, input: { strategy: FirstFactorStrategyName; password?: string | undefined; code?: string | undefined }): Promise<never> {
  if (input.strategy === 'password') {
    const password = input.password ?? '';
    checkPasswordInputSize(password);
    await dummyPasswordCheck(ctx, password);
    throw new GatehouseError('form_password_incorrect', { meta: { param_name: 'password' } });
  }
  if (input.strategy === 'email_link') throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  // The code was never sent; the verification still counts attempts and expires as a real one does.
  await checkEmailCode(ctx, { verificationId: row.first_factor_verification_id, strategy: input.strategy, code: input.code ?? '', userId: null });
  throw new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } });
}
