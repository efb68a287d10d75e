import { GatehouseError, paramError } from '../../errors.js';
import { readPasswordCredential } from '../../store/repositories/user-repository.js';
import type { SignedIn } from '../sessions/signed-in.js';
import type { DomainContext } from '../context.js';
import type { Metadata } from '../metadata.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import type { DeletedObject } from '../deleted-object.js';
import { deleteUser } from './delete-user.js';
import { getUser } from './get-user.js';
import { updateUser } from './update-user.js';
import { assertSignInRemains } from './sign-in-means.js';
import { removeUserPassword, verifyUserPassword } from './user-passwords.js';
import type { User } from './user.js';

/**
 * What a person may change about themselves from the browser (`PATCH /v1/me`): never public or
 * private metadata, which only the application's backend writes.
 */
export interface SelfUpdate {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  username?: string | null | undefined;
  unsafeMetadata?: Metadata | undefined;
  primaryEmailAddressId?: string | undefined;
}

export async function updateSelf(ctx: DomainContext, userId: string, input: SelfUpdate): Promise<User> {
  if (input.username !== undefined) {
    const settings = await readInstanceSettings(ctx);
    if (!settings.username.enabled) throw paramError('form_param_value_invalid', 'username', 'Usernames are not enabled on this instance.');
  }
  const { firstName, lastName, username, unsafeMetadata, primaryEmailAddressId } = input;
  return updateUser(ctx, userId, {
    ...(firstName !== undefined ? { firstName } : {}),
    ...(lastName !== undefined ? { lastName } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(unsafeMetadata !== undefined ? { unsafeMetadata } : {}),
    ...(primaryEmailAddressId !== undefined ? { primaryEmailAddressId } : {}),
  });
}

/**
 * A new password, set by the person (`/v1/me/change_password`): the current one is checked first,
 * as one attempt under the lockout, unless the account has none yet; the new one meets the same
 * policy as at sign-up. Signing out of other sessions keeps the one the change came from.
 */
export async function changeOwnPassword(
  ctx: DomainContext,
  me: SignedIn,
  input: { currentPassword?: string | undefined; newPassword: string; signOutOfOtherSessions?: boolean | undefined },
): Promise<User> {
  const credential = await readPasswordCredential(ctx.store.db, me.userId);
  if (credential?.password_digest) {
    if (!input.currentPassword) throw paramError('form_param_missing', 'current_password');
    await verifyUserPassword(ctx, me.userId, input.currentPassword, 'current_password');
  }
  return updateUser(ctx, me.userId, { password: input.newPassword, signOutOfOtherSessions: input.signOutOfOtherSessions === true, keepSessionId: me.sessionId });
}

/**
 * The person removes their password (`/v1/me/remove_password`), proving it first, where the
 * instance does not require one and another way to sign in remains. Their other sessions stay.
 */
export async function removeOwnPassword(ctx: DomainContext, me: SignedIn, currentPassword: string): Promise<User> {
  const settings = await readInstanceSettings(ctx);
  if (settings.password.required) throw new GatehouseError('not_allowed_access', { longMessage: 'This application requires a password, so it cannot be removed.' });
  const credential = await readPasswordCredential(ctx.store.db, me.userId);
  if (!credential?.password_digest) throw new GatehouseError('password_not_set');
  await verifyUserPassword(ctx, me.userId, currentPassword, 'current_password');
  return removeUserPassword(ctx, me.userId, { guard: (trx, user) => assertSignInRemains(trx, settings, user, { password: true }) });
}

/**
 * The person deletes their own account (`DELETE /v1/me`), unless the application turned that off
 * for them (`delete_self_enabled`): the user, their sessions and memberships go, as a deletion
 * from the Backend API does, with the user as its actor.
 */
export async function deleteSelf(ctx: DomainContext, me: SignedIn): Promise<DeletedObject> {
  const [user, settings] = await Promise.all([getUser(ctx, me.userId), readInstanceSettings(ctx)]);
  if (!settings.actions.delete_self || !user.deleteSelfEnabled) throw new GatehouseError('not_allowed_access');
  return deleteUser(ctx, me.userId);
}
