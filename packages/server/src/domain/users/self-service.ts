import { paramError } from '../../errors.js';
import type { DomainContext } from '../context.js';
import type { Metadata } from '../metadata.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import { updateUser } from './update-user.js';
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
