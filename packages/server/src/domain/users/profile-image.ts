import { newId } from '../../crypto/ids.js';
import { notFound } from '../../errors.js';
import { deleteImage, insertImage } from '../../store/repositories/image-repository.js';
import { lockUserRow, updateUserRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { imageTypeOf, imageUrlFor } from '../images.js';
import { getUser } from './get-user.js';
import { recordUserChange, userPayload } from './user-events.js';
import type { User } from './user.js';

/** A user's profile image, as uploaded: its id and where it is served. */
export interface ProfileImage {
  id: string;
  url: string;
}

/** Stores a new profile image (PNG, JPEG, GIF or WebP, read from its bytes) and drops the old one. */
export async function setProfileImage(ctx: DomainContext, userId: string, bytes: Uint8Array): Promise<ProfileImage> {
  const contentType = imageTypeOf(bytes);
  const now = ctx.now();
  const imageId = newId('img', now);
  await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    await insertImage(trx, { id: imageId, contentType, bytes, createdAt: now });
    await updateUserRow(trx, userId, { image_id: imageId, updated_at: now });
    if (user.image_id) await deleteImage(trx, user.image_id);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
  return { id: imageId, url: imageUrlFor(ctx, imageId) };
}

/** Removes the profile image; the user shows the default picture again. Returns the image's id, or null when there was none. */
export async function removeProfileImage(ctx: DomainContext, userId: string): Promise<string | null> {
  return ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    if (!user.image_id) return null;
    const before = await userPayload(ctx, trx, userId);
    await updateUserRow(trx, userId, { image_id: null, updated_at: ctx.now() });
    await deleteImage(trx, user.image_id);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
    return user.image_id;
  });
}

/** The Backend API's variants answer with the user. */
export async function setUserProfileImage(ctx: DomainContext, userId: string, bytes: Uint8Array): Promise<User> {
  await setProfileImage(ctx, userId, bytes);
  return getUser(ctx, userId);
}

export async function deleteUserProfileImage(ctx: DomainContext, userId: string): Promise<User> {
  await removeProfileImage(ctx, userId);
  return getUser(ctx, userId);
}
