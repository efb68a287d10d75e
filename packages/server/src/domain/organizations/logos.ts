import { newId } from '../../crypto/ids.js';
import { notFound, paramError } from '../../errors.js';
import type { DomainContext } from '../context.js';
import { getOrganization, organizationPayload, recordOrganizationChange } from './organizations.js';
import { deleteImage, insertImage, lockOrganizationRow, readImage, requireOrganizationRow, updateOrganizationRow } from '../../store/repositories/organization-repository.js';
import type { Organization } from './types.js';

export const LOGO_MAX_BYTES = 10 * 1024 * 1024;

/** The image type read from the file's first bytes; a client's declared type is not trusted. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  return undefined;
}

/** Stores the logo in the database (so every server process can serve it) and points the organization at it. */
export async function setOrganizationLogo(ctx: DomainContext, organizationId: string, bytes: Uint8Array): Promise<Organization> {
  const contentType = sniffImageType(bytes);
  if (!contentType) throw paramError('form_param_format_invalid', 'file', 'file must be a PNG, JPEG, GIF or WebP image.');
  const now = ctx.now();
  const imageId = newId('img', now);
  let orgId = organizationId;
  await ctx.store.transaction(async (trx) => {
    // Locked so the event's `before` is still true when the update lands.
    const org = await lockOrganizationRow(trx, ctx.store.dialect, (await requireOrganizationRow(trx, organizationId)).id);
    orgId = org.id;
    const before = await organizationPayload(ctx, trx, org.id);
    await insertImage(trx, { id: imageId, contentType, bytes, createdAt: now });
    await updateOrganizationRow(trx, org.id, { image_id: imageId, updated_at: now });
    if (org.image_id) await deleteImage(trx, org.image_id);
    await recordOrganizationChange(ctx, trx, org.id, 'organization.updated', before);
  });
  return getOrganization(ctx, orgId);
}

export async function deleteOrganizationLogo(ctx: DomainContext, organizationId: string): Promise<Organization> {
  let orgId = organizationId;
  await ctx.store.transaction(async (trx) => {
    // Locked so the event's `before` is still true when the update lands.
    const org = await lockOrganizationRow(trx, ctx.store.dialect, (await requireOrganizationRow(trx, organizationId)).id);
    orgId = org.id;
    if (!org.image_id) return;
    const before = await organizationPayload(ctx, trx, org.id);
    await updateOrganizationRow(trx, org.id, { image_id: null, updated_at: ctx.now() });
    await deleteImage(trx, org.image_id);
    await recordOrganizationChange(ctx, trx, org.id, 'organization.updated', before);
  });
  return getOrganization(ctx, orgId);
}

export async function getImage(ctx: DomainContext, imageId: string): Promise<{ contentType: string; bytes: Uint8Array }> {
  const row = await readImage(ctx.store.db, imageId);
  if (!row) throw notFound();
  return { contentType: row.content_type, bytes: row.bytes };
}
