import { sql, type Expression, type RawBuilder, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { Dialect, Executor } from '../db.js';
import { inList } from '../in-list.js';
import { containsPattern } from '../like-pattern.js';
import { pageWithTotal } from '../paging.js';
import { forUpdate } from '../row-lock.js';
import type { Database, OrganizationPermissionTable, OrganizationRoleTable } from '../schema.js';

export interface RoleRef {
  id: string;
  key: string;
  name: string;
  /** Permission keys, sorted. */
  permissions: string[];
}

/** Roles by id with their permission keys, in two reads whatever the number of roles. */
export async function loadRoleRefs(db: Executor, roleIds: readonly string[]): Promise<Map<string, RoleRef>> {
  const unique = [...new Set(roleIds)];
  if (unique.length === 0) return new Map();
  const [roles, grants] = await Promise.all([
    db.selectFrom('organization_roles').select(['id', 'key', 'name']).where('id', 'in', unique).execute(),
    db
      .selectFrom('organization_role_permissions as rp')
      .innerJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
      .select(['rp.role_id', 'p.key'])
      .where('rp.role_id', 'in', unique)
      .orderBy('p.key')
      .execute(),
  ]);
  const refs = new Map<string, RoleRef>();
  for (const role of roles) refs.set(role.id, { ...role, permissions: [] });
  for (const grant of grants) refs.get(grant.role_id)?.permissions.push(grant.key);
  return refs;
}

/** The ids of the roles with these keys (unknown keys match nothing). */
export async function findRoleIdsByKeys(db: Executor, keys: readonly string[]): Promise<string[]> {
  return (await db.selectFrom('organization_roles').select('id').where('key', 'in', inList(keys)).execute()).map((r) => r.id);
}

export async function findRoleIdByKey(db: Executor, key: string): Promise<string | undefined> {
  return (await db.selectFrom('organization_roles').select('id').where('key', '=', key).executeTakeFirst())?.id;
}

// ---- the role and permission catalog ----

export type PermissionRow = Selectable<OrganizationPermissionTable>;
export type RoleRow = Selectable<OrganizationRoleTable>;

export const CATALOG_ORDER_FIELDS = ['created_at', 'name', 'key'] as const;
export type CatalogOrderField = (typeof CATALOG_ORDER_FIELDS)[number];

export interface CatalogRowQuery {
  /** Exact id, or a case-insensitive substring of the name or key. */
  query?: string | undefined;
  orderBy: { field: CatalogOrderField; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

function catalogSearch(query: string | undefined): Expression<SqlBool> | undefined {
  const term = query?.trim();
  if (!term) return undefined;
  const pattern = containsPattern(term.toLowerCase());
  const [id, name, key] = [sql.ref('id'), sql.ref('name'), sql.ref('key')];
  return sql<SqlBool>`(${id} = ${term} or lower(${name}) like ${pattern} escape '\\' or lower(${key}) like ${pattern} escape '\\')`;
}

/**
 * Names sort case-insensitively; PostgreSQL is told to compare bytes, as SQLite does, so both
 * stores page through a list in the same order whatever the database's locale.
 */
function catalogSortKey(field: CatalogOrderField, dialect: Dialect): RawBuilder<unknown> {
  if (field === 'created_at') return sql.ref('created_at');
  const expr = field === 'name' ? sql`lower(${sql.ref('name')})` : sql.ref('key');
  return dialect === 'postgres' ? sql`${expr} collate "C"` : expr;
}

type CatalogTable = 'organization_roles' | 'organization_permissions';
type CatalogRows<T extends CatalogTable> = { rows: Selectable<Database[T]>[]; total: number };

/** One page of a catalog table (roles or permissions) and the count of all that match. */
export function listCatalogRows(db: Executor, dialect: Dialect, table: 'organization_roles', q: CatalogRowQuery): Promise<CatalogRows<'organization_roles'>>;
export function listCatalogRows(db: Executor, dialect: Dialect, table: 'organization_permissions', q: CatalogRowQuery): Promise<CatalogRows<'organization_permissions'>>;
export async function listCatalogRows(db: Executor, dialect: Dialect, from: CatalogTable, q: CatalogRowQuery): Promise<CatalogRows<CatalogTable>> {
  const search = catalogSearch(q.query);
  let filtered = db.selectFrom(from);
  if (search) filtered = filtered.where(search);
  return pageWithTotal(
    filtered,
    (query) => query.selectAll().orderBy(catalogSortKey(q.orderBy.field, dialect), q.orderBy.direction).orderBy('id', q.orderBy.direction),
    q,
  );
}

export async function findPermissionRow(db: Executor, id: string): Promise<PermissionRow | undefined> {
  return db.selectFrom('organization_permissions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The permissions of these roles, each with the role it belongs to, sorted by key. */
export async function listRolePermissionRows(db: Executor, roleIds: readonly string[]): Promise<(PermissionRow & { role_id: string })[]> {
  if (roleIds.length === 0) return [];
  return db
    .selectFrom('organization_role_permissions as rp')
    .innerJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
    .select(['rp.role_id', 'p.id', 'p.key', 'p.name', 'p.description', 'p.type', 'p.created_at', 'p.updated_at'])
    .where('rp.role_id', 'in', [...new Set(roleIds)])
    .orderBy('p.key')
    .execute();
}

/** Permissions named by key or by id. */
export async function findPermissionsByKeysOrIds(db: Executor, keys: readonly string[], ids: readonly string[]): Promise<Pick<PermissionRow, 'id' | 'key'>[]> {
  if (keys.length === 0 && ids.length === 0) return [];
  return db
    .selectFrom('organization_permissions')
    .select(['id', 'key'])
    .where((eb) => eb.or([...(keys.length > 0 ? [eb('key', 'in', [...keys])] : []), ...(ids.length > 0 ? [eb('id', 'in', [...ids])] : [])]))
    .execute();
}

export async function permissionKeyTaken(db: Executor, key: string): Promise<boolean> {
  return (await db.selectFrom('organization_permissions').select('id').where('key', '=', key).executeTakeFirst()) !== undefined;
}

export async function insertPermission(db: Executor, row: PermissionRow): Promise<void> {
  await db.insertInto('organization_permissions').values(row).execute();
}

export async function updatePermissionRow(db: Executor, id: string, patch: Updateable<OrganizationPermissionTable>): Promise<void> {
  await db.updateTable('organization_permissions').set(patch).where('id', '=', id).execute();
}

/** The roles granted this permission, oldest id first. */
export async function listRolesHoldingPermission(db: Executor, permissionId: string): Promise<RoleRow[]> {
  return db
    .selectFrom('organization_roles')
    .selectAll()
    .where('id', 'in', db.selectFrom('organization_role_permissions').select('role_id').where('permission_id', '=', permissionId))
    .orderBy('id')
    .execute();
}

/** Deletes a permission, first stamping the roles that held it as updated; its grants go by cascade. */
export async function deletePermissionRow(db: Executor, id: string, now: number): Promise<void> {
  await db
    .updateTable('organization_roles')
    .set({ updated_at: now })
    .where('id', 'in', db.selectFrom('organization_role_permissions').select('role_id').where('permission_id', '=', id))
    .execute();
  await db.deleteFrom('organization_permissions').where('id', '=', id).execute();
}

export async function findRoleRow(db: Executor, id: string): Promise<RoleRow | undefined> {
  return db.selectFrom('organization_roles').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Serializes writers of one role, so concurrent permission changes apply one after the other. */
export async function lockRoleRow(db: Executor, dialect: Dialect, id: string): Promise<RoleRow | undefined> {
  return forUpdate(db.selectFrom('organization_roles').selectAll().where('id', '=', id), dialect).executeTakeFirst();
}

export async function roleKeyTaken(db: Executor, key: string): Promise<boolean> {
  return (await findRoleIdByKey(db, key)) !== undefined;
}

export async function insertRole(db: Executor, row: RoleRow): Promise<void> {
  await db.insertInto('organization_roles').values(row).execute();
}

export async function updateRoleRow(db: Executor, id: string, patch: Updateable<OrganizationRoleTable>): Promise<void> {
  await db.updateTable('organization_roles').set(patch).where('id', '=', id).execute();
}

/** Whether any membership or invitation (of any status) points at the role. */
export async function roleInUse(db: Executor, id: string): Promise<boolean> {
  const [member, invitation] = await Promise.all([
    db.selectFrom('organization_memberships').select('id').where('role_id', '=', id).limit(1).executeTakeFirst(),
    db.selectFrom('organization_invitations').select('id').where('role_id', '=', id).limit(1).executeTakeFirst(),
  ]);
  return member !== undefined || invitation !== undefined;
}

export async function deleteRoleRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('organization_roles').where('id', '=', id).execute();
}

/** Grants permissions to a role; a grant it already holds is left as it is. */
export async function grantPermissions(db: Executor, roleId: string, permissionIds: readonly string[]): Promise<void> {
  if (permissionIds.length === 0) return;
  await db
    .insertInto('organization_role_permissions')
    .values(permissionIds.map((permission_id) => ({ role_id: roleId, permission_id })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function revokeAllPermissions(db: Executor, roleId: string): Promise<void> {
  await db.deleteFrom('organization_role_permissions').where('role_id', '=', roleId).execute();
}

/** False when the role did not hold the permission. */
export async function revokePermission(db: Executor, roleId: string, permissionId: string): Promise<boolean> {
  const removed = await db.deleteFrom('organization_role_permissions').where('role_id', '=', roleId).where('permission_id', '=', permissionId).executeTakeFirst();
  return Number(removed.numDeletedRows) > 0;
}

export async function roleHoldsPermission(db: Executor, roleId: string, permissionId: string): Promise<boolean> {
  const held = await db.selectFrom('organization_role_permissions').select('role_id').where('role_id', '=', roleId).where('permission_id', '=', permissionId).executeTakeFirst();
  return held !== undefined;
}

/** Which of `keys` the role holds. */
export async function heldPermissionKeys(db: Executor, roleId: string, keys: readonly string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('organization_role_permissions as rp')
    .innerJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
    .select('p.key')
    .where('rp.role_id', '=', roleId)
    .where('p.key', 'in', [...keys])
    .execute();
  return rows.map((r) => r.key);
}
