import { notFound } from '../../errors.js';
import { lockUserRow, updateUserRow } from '../../store/repositories/user-repository.js';
import { assertValidMetadata, mergeMetadata, parseStoredMetadata, type Metadata } from '../metadata.js';
import type { DomainContext } from '../context.js';
import { getUser } from './get-user.js';
import type { User } from './user.js';

export interface UserMetadataInput {
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  unsafeMetadata?: Metadata | null;
}

const FIELDS = [
  ['publicMetadata', 'public_metadata'],
  ['privateMetadata', 'private_metadata'],
  ['unsafeMetadata', 'unsafe_metadata'],
] as const;

/**
 * `merge` deep-merges each given object into the stored one (`null` values delete keys);
 * `replace` swaps each given object wholesale. Fields not given are left alone in both modes.
 */
export async function updateUserMetadata(ctx: DomainContext, userId: string, input: UserMetadataInput, mode: 'merge' | 'replace'): Promise<User> {
  for (const [field, column] of FIELDS) {
    const value = input[field];
    if (value != null) assertValidMetadata(value, column);
  }
  await ctx.store.transaction(async (trx) => {
    const row = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!row) throw notFound();
    const patch: Partial<Record<(typeof FIELDS)[number][1], string>> = {};
    for (const [field, column] of FIELDS) {
      const value = input[field];
      if (value === undefined) continue;
      const next = mode === 'merge' && value !== null ? mergeMetadata(parseStoredMetadata(row[column]), value) : (value ?? {});
      patch[column] = JSON.stringify(assertValidMetadata(next, column));
    }
    await updateUserRow(trx, userId, { ...patch, updated_at: ctx.now() });
  });
  return getUser(ctx, userId);
}
