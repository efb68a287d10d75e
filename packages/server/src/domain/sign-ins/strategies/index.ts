import type { Executor } from '../../../store/db.js';
import type { SignInRow, VerificationRow } from '../../../store/repositories/attempt-repository.js';
import type { UserRecord } from '../../../store/repositories/user-repository.js';
import type { DomainContext } from '../../context.js';
import type { InstanceSettings } from '../../settings/instance-settings.js';
import type { FirstFactorStrategyName, SupportedFirstFactor } from '../sign-in.js';
import { emailCodeStrategyForSignIn, resetPasswordEmailCodeStrategy } from './email-code.js';
import { emailLinkStrategy } from './email-link.js';
import { passwordStrategy } from './password.js';

/** What a first-factor step is given: the attempt, the person it is for, the instance's settings. */
export interface SignInSubject {
  signIn: SignInRow;
  user: UserRecord;
  settings: InstanceSettings;
}

/** The parameters of `prepare_first_factor` / `attempt_first_factor`, as the domain takes them. */
export interface FirstFactorInput {
  strategy: FirstFactorStrategyName;
  password?: string | undefined;
  code?: string | undefined;
  emailAddressId?: string | undefined;
  /** Where an emailed link sends the browser once it is opened. */
  redirectUrl?: string | undefined;
}

/**
 * What an attempt proved. The flow records it in the transaction that acts on it, so the
 * verification, the lockout's fresh count and the session it grants commit together.
 */
export interface VerifiedFactor {
  /** Writes what makes the verification stand; resolves with the verification as stored. */
  record(trx: Executor, now: number): Promise<VerificationRow>;
}

/** One way to prove who you are at sign-in. A new factor is one new module and one new key below. */
export interface FirstFactorStrategy {
  /** Open to a locked account: the forgotten-password reset (the lock keeps guessers out, not the owner). */
  openWhileLocked?: boolean;
  /** The factors this strategy offers this person (none when the instance or the user lacks it). */
  offers(subject: SignInSubject): SupportedFirstFactor[];
  /** Sends what the attempt will check (a code, a link); returns the verification's id. */
  prepare?(ctx: DomainContext, subject: SignInSubject, input: FirstFactorInput): Promise<string>;
  /** Checks one attempt; resolves with what it verified, or throws the error the person sees. */
  attempt(ctx: DomainContext, subject: SignInSubject, input: FirstFactorInput): Promise<VerifiedFactor>;
}

export const FIRST_FACTOR_STRATEGIES: { readonly [K in FirstFactorStrategyName]: FirstFactorStrategy } = {
  password: passwordStrategy,
  email_code: emailCodeStrategyForSignIn,
  email_link: emailLinkStrategy,
  reset_password_email_code: resetPasswordEmailCodeStrategy,
};

export function isFirstFactorStrategy(name: string): name is FirstFactorStrategyName {
  return Object.hasOwn(FIRST_FACTOR_STRATEGIES, name);
}

export function supportedFirstFactors(subject: SignInSubject): SupportedFirstFactor[] {
  return Object.values(FIRST_FACTOR_STRATEGIES).flatMap((strategy) => strategy.offers(subject));
}
