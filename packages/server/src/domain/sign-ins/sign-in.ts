import type { SignInRow } from '../../store/repositories/attempt-repository.js';
import { GatehouseError } from '../../errors.js';
import type { Verification } from '../verifications/verifications.js';

/**
 * A sign-in attempt (Clerk's `sign_in_attempt`). Its status is a function of what has been
 * established — who is signing in, which factor was verified, whether a session came of it — so
 * it cannot drift from the data; `SIGN_IN_STEPS` says which step each status allows.
 */
export type SignInStatus = 'needs_identifier' | 'needs_first_factor' | 'needs_second_factor' | 'needs_new_password' | 'complete' | 'abandoned';

/** Clerk's strategy names for first factors; `strategies/index.ts` has one module per name. */
export type FirstFactorStrategyName = 'password' | 'email_code' | 'email_link' | 'reset_password_email_code';

/** Second factors a sign-in can ask for; `second-factors/index.ts` has one module per name. */
export type SecondFactorStrategyName = 'totp' | 'backup_code';

export interface SupportedSecondFactor {
  strategy: SecondFactorStrategyName;
}

export interface SupportedFirstFactor {
  strategy: FirstFactorStrategyName;
  safeIdentifier?: string;
  emailAddressId?: string;
  primary?: boolean;
}

export interface SignInUserData {
  firstName: string | null;
  lastName: string | null;
  imageUrl: string;
  hasImage: boolean;
}

export interface SignIn {
  id: string;
  clientId: string;
  status: SignInStatus;
  identifier: string | null;
  userId: string | null;
  userData: SignInUserData | null;
  supportedFirstFactors: SupportedFirstFactor[];
  /** Once the first factor is in, for someone with two-step verification. */
  supportedSecondFactors: SupportedSecondFactor[] | null;
  firstFactorVerification: Verification | null;
  secondFactorVerification: Verification | null;
  createdSessionId: string | null;
  abandonAt: number;
  createdAt: number;
  updatedAt: number;
}

/** Strategies after whose verification a new password must be set before the sign-in completes. */
const RESETS_PASSWORD: ReadonlySet<string> = new Set<FirstFactorStrategyName>(['reset_password_email_code']);

/** A passkey is something the person has, unlocked by something they are or know: both factors at once. */
const SATISFIES_BOTH: ReadonlySet<string> = new Set(['passkey']);

export function satisfiesBothFactors(strategy: string): boolean {
  return SATISFIES_BOTH.has(strategy);
}

/** What the sign-in waits for besides its first factor. */
export interface SignInRequirements {
  /** The user has two-step verification; no first factor counts as the second. */
  secondFactor: boolean;
}

export function signInStatus(row: SignInRow, factors: { first: Verification | null; second: Verification | null }, requirements: SignInRequirements, now: number): SignInStatus {
  if (row.created_session_id !== null) return 'complete';
  if (row.abandon_at <= now) return 'abandoned';
  // A passkey sign-in names nobody: the credential that answers it does. An identifier nobody holds
  // (kept under enumeration protection) waits on a first factor that never verifies.
  if (row.user_id === null) return factors.first?.strategy === 'passkey' || row.identifier !== null ? 'needs_first_factor' : 'needs_identifier';
  if (factors.first?.status !== 'verified') return 'needs_first_factor';
  if (RESETS_PASSWORD.has(factors.first.strategy) && row.password_reset_at === null) return 'needs_new_password';
  if (requirements.secondFactor && !SATISFIES_BOTH.has(factors.first.strategy) && factors.second?.status !== 'verified') return 'needs_second_factor';
  return 'complete';
}

/** What the audit log records about one first-factor attempt. */
export interface SignInAttemptRecord {
  signInId: string;
  userId: string | null;
  strategy: string;
  sessionId?: string;
  /** The Clerk error code the person got. */
  error?: string;
}

export type SignInStep = 'identify' | 'prepare_first_factor' | 'attempt_first_factor' | 'reset_password' | 'prepare_second_factor' | 'attempt_second_factor';

/** The transition table: the statuses in which each step may be taken. */
export const SIGN_IN_STEPS: Readonly<Record<SignInStep, readonly SignInStatus[]>> = {
  identify: ['needs_identifier'],
  prepare_first_factor: ['needs_first_factor'],
  attempt_first_factor: ['needs_first_factor'],
  reset_password: ['needs_new_password'],
  prepare_second_factor: ['needs_second_factor'],
  attempt_second_factor: ['needs_second_factor'],
};

export function assertSignInStep(signIn: Pick<SignIn, 'status'>, step: SignInStep): void {
  if (SIGN_IN_STEPS[step].includes(signIn.status)) return;
  if (signIn.status === 'abandoned') throw new GatehouseError('verification_expired');
  throw new GatehouseError('sign_in_step_invalid', { meta: { status: signIn.status } });
}
