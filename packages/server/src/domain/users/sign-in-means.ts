import { GatehouseError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { oldestVerifiedIdentification } from '../../store/repositories/identification-repository.js';
import type { UserRow } from '../../store/repositories/user-repository.js';
import type { InstanceSettings } from '../settings/instance-settings.js';
import { hasOtherExternalAccount } from '../../store/repositories/oauth-repository.js';

/** What a user could still sign in with after a change the person asks for. */
export interface SignInMeans {
  verifiedEmail: boolean;
  password: boolean;
  username: boolean;
  /** An account at a social provider it can sign in through. */
  externalAccount: boolean;
}

/** Whether the instance's sign-in settings let someone holding `means` in. */
export function canSignInWith(settings: InstanceSettings, means: SignInMeans): boolean {
  if (means.externalAccount) return true;
  const email = settings.email_address.enabled && settings.email_address.used_for_first_factor && means.verifiedEmail;
  const password = settings.password.enabled && means.password;
  if (email && (settings.email_address.first_factors.length > 0 || password)) return true;
  return settings.username.enabled && settings.username.used_for_first_factor && means.username && password;
}

/**
 * Refuses a removal (an email address, the password) that would leave the user no way to sign in.
 * Run inside the removal's transaction, under the user's row lock, so two removals at once cannot
 * each leave the other's identifier as the last one and then remove it too.
 */
export async function assertSignInRemains(trx: Executor, settings: InstanceSettings, user: UserRow, removing: { emailAddressId: string } | { password: true } | { externalAccountId: string }): Promise<void> {
  const means: SignInMeans = {
    verifiedEmail: (await oldestVerifiedIdentification(trx, 'email_addresses', user.id, 'emailAddressId' in removing ? removing.emailAddressId : '')) !== null,
    password: !('password' in removing) && user.password_digest !== null,
    username: user.username !== null,
    externalAccount: await hasOtherExternalAccount(trx, user.id, 'externalAccountId' in removing ? removing.externalAccountId : ''),
  };
  if (!canSignInWith(settings, means)) {
    throw new GatehouseError('not_allowed_access', { longMessage: 'This is the last way to sign in to the account, so it cannot be removed.' });
  }
}
