import { notFound } from '../../errors.js';
import { lockUserRow, updateUserRow } from '../../store/repositories/user-repository.js';
import { metadataPatch, type Metadata, type MetadataMode } from '../metadata.js';
import type { DomainContext } from '../context.js';
import { getUser } from './get-user.js';
import { recordUserChange, userPayload } from './user-events.js';
import type { User } from './user.js';

export interface UserMetadataInput {
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  unsafeMetadata?: Metadata | null;
}

/** PATCH deep-merges each given object (null values delete keys); PUT replaces each given object. */
export async function updateUserMetadata(ctx: DomainContext, userId: string, input: UserMetadataInput, mode: MetadataMode): Promise<User> {
  await ctx.store.transaction(async (trx) => {
    const row = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!row) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    const patch = metadataPatch(
      { public_metadata: row.public_metadata, private_metadata: row.private_metadata, unsafe_metadata: row.unsafe_metadata },
      { public_metadata: input.publicMetadata, private_metadata: input.privateMetadata, unsafe_metadata: input.unsafeMetadata },
      mode,
    );
    await updateUserRow(trx, userId, { ...patch, updated_at: ctx.now() });
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
  return getUser(ctx, userId);
}
