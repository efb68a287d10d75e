import { sql, type Selectable } from 'kysely';
import { notFound } from '../../errors.js';
import type { Dialect, Executor } from '../db.js';
import { forUpdate } from '../row-lock.js';
import type { OrganizationTable } from '../schema.js';

export type OrganizationRow = Selectable<OrganizationTable>;

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
 * checked and changed under this lock.
 */
export async function lockOrganizationRow(db: Executor, dialect: Dialect, id: string): Promise<OrganizationRow> {
  const row = await forUpdate(db.selectFrom('organizations').selectAll().where('id', '=', id), dialect).executeTakeFirst();
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

/** A user's membership in an organization, with the organization's public fields. */
export async function readMembershipWithOrganization(db: Executor, userId: string, organizationId: string) {
  return db
    .selectFrom('organization_memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select(['o.id', 'o.name', 'o.slug', 'o.image_id', 'o.public_metadata', 'm.role_id', 'm.public_metadata as membership_public_metadata'])
    .where('m.user_id', '=', userId)
    .where('m.organization_id', '=', organizationId)
    .executeTakeFirst();
}

/** Whether the user is a member of the organization. */
export async function isMember(db: Executor, userId: string, organizationId: string): Promise<boolean> {
  const row = await db.selectFrom('organization_memberships').select('id').where('user_id', '=', userId).where('organization_id', '=', organizationId).executeTakeFirst();
  return row !== undefined;
}

/** Seats an organization's members and its pending, unexpired invitations hold, in one read. */
export async function countSeatsTaken(db: Executor, organizationId: string, now: number): Promise<number> {
  const row = await db
    .selectFrom('organizations')
    .select([
      sql<number>`(select count(*) from organization_memberships m where m.organization_id = ${organizationId})`.as('members'),
      sql<number>`(select count(*) from organization_invitations i where i.organization_id = ${organizationId} and i.status = 'pending' and i.expires_at > ${now})`.as('pending'),
    ])
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.members) + Number(row.pending);
}
