import { sql, type Selectable, type Updateable } from 'kysely';
import { notFound } from '../../errors.js';
import type { Dialect, Executor } from '../db.js';
import { deleteImage } from './image-repository.js';
import { forUpdate } from '../row-lock.js';
import { inList } from '../in-list.js';
import { containsPattern } from '../like-pattern.js';
import type { OrganizationTable } from '../schema.js';
import { pageWithTotal } from '../paging.js';

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

export async function listOrganizationRowsByIds(db: Executor, ids: readonly string[]): Promise<OrganizationRow[]> {
  return db.selectFrom('organizations').selectAll().where('id', 'in', inList(ids)).execute();
}

/** What an invitee may see of the organizations inviting them. */
export async function listOrganizationCards(db: Executor, ids: readonly string[]): Promise<Pick<OrganizationRow, 'id' | 'name' | 'slug' | 'image_id'>[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('organizations').select(['id', 'name', 'slug', 'image_id']).where('id', 'in', [...new Set(ids)]).execute();
}

export async function findOrganizationRowById(db: Executor, id: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** How many organizations the user has created (and not deleted since). */
export async function countOrganizationsCreatedBy(db: Executor, userId: string): Promise<number> {
  const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).where('created_by', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Whether another organization (not `exceptId`) already has this slug. */
export async function organizationSlugTaken(db: Executor, slug: string, exceptId?: string): Promise<boolean> {
  let query = db.selectFrom('organizations').select('id').where('slug', '=', slug);
  if (exceptId) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function insertOrganization(db: Executor, row: OrganizationRow): Promise<void> {
  await db.insertInto('organizations').values(row).execute();
}

export async function updateOrganizationRow(db: Executor, id: string, patch: Updateable<OrganizationTable>): Promise<void> {
  await db.updateTable('organizations').set(patch).where('id', '=', id).execute();
}

/** Deletes the organization (its memberships and invitations go with it by cascade) and its logo. */
export async function deleteOrganizationRow(db: Executor, row: Pick<OrganizationRow, 'id' | 'image_id'>): Promise<void> {
  await db.deleteFrom('organizations').where('id', '=', row.id).execute();
  if (row.image_id) await deleteImage(db, row.image_id);
}

export interface OrganizationRowQuery {
  /** Part of the name, slug or id, any case. */
  text?: string | undefined;
  organizationIds?: readonly string[] | undefined;
  /** Only organizations any of these users belongs to. */
  userIds?: readonly string[] | undefined;
  orderBy: { field: 'name' | 'created_at' | 'members_count'; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

/** One page of organizations and how many match. */
export async function listOrganizationRows(db: Executor, q: OrganizationRowQuery): Promise<{ rows: OrganizationRow[]; total: number }> {
  let base = db.selectFrom('organizations');
  if (q.text) {
    const pattern = containsPattern(q.text.toLowerCase());
    base = base.where((eb) =>
      eb.or([
        sql<boolean>`lower(organizations.name) like ${pattern} escape '\\'`,
        sql<boolean>`organizations.slug like ${pattern} escape '\\'`,
        sql<boolean>`lower(organizations.id) like ${pattern} escape '\\'`,
      ]),
    );
  }
  if (q.organizationIds) base = base.where('organizations.id', 'in', inList(q.organizationIds));
  if (q.userIds) {
    const userIds = inList(q.userIds);
    base = base.where('organizations.id', 'in', (eb) => eb.selectFrom('organization_memberships').select('organization_id').where('user_id', 'in', userIds));
  }
  const dir = q.orderBy.direction === 'desc' ? sql`desc` : sql`asc`;
  const orderExpression =
    q.orderBy.field === 'members_count'
      ? sql`(select count(*) from organization_memberships m where m.organization_id = organizations.id)`
      : sql.ref(`organizations.${q.orderBy.field}`);
  return pageWithTotal(base, (query) => query.selectAll('organizations').orderBy(sql`${orderExpression} ${dir}`).orderBy(sql`organizations.id ${dir}`), q);
}
