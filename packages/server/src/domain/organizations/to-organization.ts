import { countMembers, countPendingInvitations, type OrganizationRow } from '../../store/repositories/organization-repository.js';
import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { parseStoredMetadata } from '../metadata.js';
import type { Organization } from './types.js';
import { imageUrlFor } from '../images.js';

export interface OrganizationCounts {
  membersCount?: boolean;
  pendingInvitationsCount?: boolean;
}

export function toOrganization(row: OrganizationRow, ctx: DomainContext, counts: { members?: number; pending?: number } = {}): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    imageUrl: row.image_id ? imageUrlFor(ctx, row.image_id) : null,
    maxAllowedMemberships: row.max_allowed_memberships,
    adminDeleteEnabled: row.admin_delete_enabled === 1,
    publicMetadata: parseStoredMetadata(row.public_metadata),
    privateMetadata: parseStoredMetadata(row.private_metadata),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(counts.members !== undefined ? { membersCount: counts.members } : {}),
    ...(counts.pending !== undefined ? { pendingInvitationsCount: counts.pending } : {}),
  };
}

/** Organizations in the order of their rows, with the counts asked for, in at most three queries. */
export async function toOrganizations(db: Executor, ctx: DomainContext, rows: readonly OrganizationRow[], counts: OrganizationCounts = {}): Promise<Organization[]> {
  const ids = rows.map((r) => r.id);
  const [members, pending] = await Promise.all([
    counts.membersCount ? countMembers(db, ids) : undefined,
    counts.pendingInvitationsCount ? countPendingInvitations(db, ids, ctx.now()) : undefined,
  ]);
  return rows.map((row) =>
    toOrganization(row, ctx, {
      ...(members ? { members: members.get(row.id) ?? 0 } : {}),
      ...(pending ? { pending: pending.get(row.id) ?? 0 } : {}),
    }),
  );
}
