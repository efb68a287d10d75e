import { newId } from '../../crypto/ids.js';
import type { DomainContext } from '../context.js';
import { getOrganization, organizationPayload, recordOrganizationChange } from './organizations.js';
import { deleteImage, insertImage } from '../../store/repositories/image-repository.js';
import { imageTypeOf } from '../images.js';
import { lockOrganizationRow, requireOrganizationRow, updateOrganizationRow } from '../../store/repositories/organization-repository.js';
import type { Organization } from './types.js';

/** Stores the logo in the database (so every server process can serve it) and points the organization at it. */
export async function setOrganizationLogo(ctx: DomainContext, organizationId: string, bytes: Uint8Array): Promise<Organization> {
  const contentType = imageTypeOf(bytes);
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
