import { sql, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import type { Dialect, Executor } from '../db.js';
import { inList } from '../in-list.js';
import type { OrganizationMembershipTable } from '../schema.js';
import { selectUserIdsMatching, type UserListFilter } from './user-list-repository.js';
import { pageWithTotal } from '../paging.js';

export type MembershipRow = Selectable<OrganizationMembershipTable>;

export async function findMembershipRowById(db: Executor, id: string): Promise<MembershipRow | undefined> {
  return db.selectFrom('organization_memberships').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findMembershipRow(db: Executor, organizationId: string, userId: string): Promise<MembershipRow | undefined> {
  return db.selectFrom('organization_memberships').selectAll().where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
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

/** A user's or an organization's memberships, oldest first. */
export async function listMembershipRowsOf(db: Executor, column: 'user_id' | 'organization_id', id: string): Promise<MembershipRow[]> {
  return db.selectFrom('organization_memberships').selectAll().where(column, '=', id).orderBy('created_at').orderBy('id').execute();
}

/** The memberships of several users, each user's oldest first. */
export async function listMembershipRowsOfUsers(db: Executor, userIds: readonly string[]): Promise<MembershipRow[]> {
  if (userIds.length === 0) return [];
  return db.selectFrom('organization_memberships').selectAll().where('user_id', 'in', inList(userIds)).orderBy('created_at').orderBy('id').execute();
}

/** How many of the organization's members other than `excludingMembershipId` hold `permissionKey` through their role. */
export async function countOtherMembersWithPermission(db: Executor, organizationId: string, excludingMembershipId: string, permissionKey: string): Promise<number> {
  const row = await db
    .selectFrom('organization_memberships as m')
    .innerJoin('organization_role_permissions as rp', 'rp.role_id', 'm.role_id')
    .innerJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('m.organization_id', '=', organizationId)
    .where('m.id', '!=', excludingMembershipId)
    .where('p.key', '=', permissionKey)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertMembership(db: Executor, row: MembershipRow): Promise<void> {
  await db.insertInto('organization_memberships').values(row).execute();
}

export async function updateMembershipRow(db: Executor, id: string, patch: Updateable<OrganizationMembershipTable>): Promise<void> {
  await db.updateTable('organization_memberships').set(patch).where('id', '=', id).execute();
}

export async function deleteMembershipRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('organization_memberships').where('id', '=', id).execute();
}

export const MEMBERSHIP_ORDER_FIELDS = ['created_at', 'first_name', 'last_name', 'email_address', 'phone_number', 'username'] as const;
export type MembershipOrderField = (typeof MEMBERSHIP_ORDER_FIELDS)[number];

function orderExpression(field: MembershipOrderField): RawBuilder<unknown> {
  switch (field) {
    case 'created_at':
      return sql`m.created_at`;
    case 'first_name':
    case 'last_name':
    case 'username':
      return sql`(select u.${sql.ref(field)} from users u where u.id = m.user_id)`;
    case 'email_address':
      return sql`(select e.email_address from users u join email_addresses e on e.id = u.primary_email_address_id where u.id = m.user_id)`;
    case 'phone_number':
      return sql`(select p.phone_number from users u join phone_numbers p on p.id = u.primary_phone_number_id where u.id = m.user_id)`;
  }
}

export interface MembershipRowQuery {
  organizationId?: string | undefined;
  userId?: string | undefined;
  roleIds?: readonly string[] | undefined;
  /** Only members matching these user filters (those of `GET /v1/users`). */
  users?: UserListFilter | undefined;
  orderBy: { field: MembershipOrderField; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

/** One page of memberships and how many match; users without the ordered value come last. */
export async function listMembershipRows(db: Executor, dialect: Dialect, q: MembershipRowQuery): Promise<{ rows: MembershipRow[]; total: number }> {
  let base = db.selectFrom('organization_memberships as m');
  if (q.organizationId) base = base.where('m.organization_id', '=', q.organizationId);
  if (q.userId) base = base.where('m.user_id', '=', q.userId);
  if (q.roleIds) base = base.where('m.role_id', 'in', inList(q.roleIds));
  if (q.users) base = base.where('m.user_id', 'in', selectUserIdsMatching(db, dialect, q.users));
  const dir = q.orderBy.direction === 'desc' ? sql`desc` : sql`asc`;
  const nulls = q.orderBy.field === 'created_at' ? sql`` : sql`nulls last`;
  return pageWithTotal(base, (query) => query.selectAll('m').orderBy(sql`${orderExpression(q.orderBy.field)} ${dir} ${nulls}`).orderBy(sql`m.id ${dir}`), q);
}
