import type { DomainContext } from '../../context.js';
import type { SecondFactorStrategyName, SupportedSecondFactor } from '../sign-in.js';
import type { SignInSubject, VerifiedFactor } from '../strategies/index.js';
import { backupCodeStrategy } from './backup-code.js';
import { totpStrategy } from './totp.js';

export interface SecondFactorInput {
  strategy: SecondFactorStrategyName;
  code?: string | undefined;
}

/** One way to finish a sign-in for someone with two-step verification. A new factor is one module and one key below. */
export interface SecondFactorStrategy {
  /** Whether this person has the factor. */
  offers(subject: SignInSubject): boolean;
  /** Checks one attempt under the lockout; resolves with what it verified, or throws the error the person sees. */
  attempt(ctx: DomainContext, subject: SignInSubject, input: SecondFactorInput): Promise<VerifiedFactor>;
}

export const SECOND_FACTOR_STRATEGIES: { readonly [K in SecondFactorStrategyName]: SecondFactorStrategy } = {
  totp: totpStrategy,
  backup_code: backupCodeStrategy,
};

export function isSecondFactorStrategy(name: string): name is SecondFactorStrategyName {
  return Object.hasOwn(SECOND_FACTOR_STRATEGIES, name);
}

export function supportedSecondFactors(subject: SignInSubject): SupportedSecondFactor[] {
  return (Object.keys(SECOND_FACTOR_STRATEGIES) as SecondFactorStrategyName[]).filter((name) => SECOND_FACTOR_STRATEGIES[name].offers(subject)).map((strategy) => ({ strategy }));
}
