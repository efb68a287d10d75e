import type { Executor } from '../db.js';

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

export async function findRoleIdByKey(db: Executor, key: string): Promise<string | undefined> {
  return (await db.selectFrom('organization_roles').select('id').where('key', '=', key).executeTakeFirst())?.id;
}
