import { sql } from 'kysely';
import { GatehouseError, notFound } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import type { OrganizationTable } from '../../store/schema.js';
import type { Selectable } from 'kysely';
import { parseStoredMetadata } from '../metadata.js';
import type { DomainContext } from '../context.js';
import type { Organization } from './types.js';

export type OrganizationRow = Selectable<OrganizationTable>;

export interface OrganizationCounts {
  membersCount?: boolean;
  pendingInvitationsCount?: boolean;
}

export function imageUrlFor(ctx: DomainContext, imageId: string): string {
  return new URL(`/images/${imageId}`, ctx.publicUrl).href;
}

/** Looks an organization up by id or slug (Clerk accepts either in the path). */
export async function findOrganizationRow(db: Executor, idOrSlug: string): Promise<OrganizationRow | undefined> {
  const column = idOrSlug.startsWith('org_') ? 'id' : 'slug';
  return db.selectFrom('organizations').selectAll().where(column, '=', idOrSlug).executeTakeFirst();
}

export async function requireOrganizationRow(db: Executor, idOrSlug: string): Promise<OrganizationRow> {
  const row = await findOrganizationRow(db, idOrSlug);
  if (!row) throw notFound();
  return row;
}

/**
 * Serializes writers of one organization: membership limits and the last-manager rule are
 * checked and changed under this lock. SQLite transactions already run one at a time.
 */
export async function lockOrganizationRow(db: Executor, dialect: 'sqlite' | 'postgres', id: string): Promise<OrganizationRow> {
  const query = db.selectFrom('organizations').selectAll().where('id', '=', id);
  const row = dialect === 'postgres' ? await query.forUpdate().executeTakeFirst() : await query.executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

export async function countMembers(db: Executor, organizationIds: readonly string[]): Promise<Map<string, number>> {
  if (organizationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('organization_memberships')
    .select(['organization_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', 'in', [...new Set(organizationIds)])
    .groupBy('organization_id')
    .execute();
  return new Map(rows.map((r) => [r.organization_id, Number(r.n)]));
}

export async function countPendingInvitations(db: Executor, organizationIds: readonly string[], now: number): Promise<Map<string, number>> {
  if (organizationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('organization_invitations')
    .select(['organization_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('organization_id', 'in', [...new Set(organizationIds)])
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .groupBy('organization_id')
    .execute();
  return new Map(rows.map((r) => [r.organization_id, Number(r.n)]));
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

/**
 * Refuses to grow an organization past `max_allowed_memberships` (0 = no limit). Pending
 * invitations hold seats too. Call under `lockOrganizationRow` so concurrent adds cannot overshoot.
 */
export async function assertSeatsAvailable(db: Executor, org: OrganizationRow, now: number, adding = 1): Promise<void> {
  if (org.max_allowed_memberships <= 0) return;
  const row = await db
    .selectFrom('organizations')
    .select([
      sql<number>`(select count(*) from organization_memberships m where m.organization_id = ${org.id})`.as('members'),
      sql<number>`(select count(*) from organization_invitations i where i.organization_id = ${org.id} and i.status = 'pending' and i.expires_at > ${now})`.as('pending'),
    ])
    .where('id', '=', org.id)
    .executeTakeFirstOrThrow();
  if (Number(row.members) + Number(row.pending) + adding > org.max_allowed_memberships) {
    throw new GatehouseError('organization_membership_quota_exceeded', { meta: { max_allowed_memberships: org.max_allowed_memberships } });
  }
}
