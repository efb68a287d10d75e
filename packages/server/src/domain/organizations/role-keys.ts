import { paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';

/** Clerk's legacy role keys, still accepted everywhere a role is taken. */
const LEGACY_ROLE_KEYS: Record<string, string> = { admin: 'org:admin', basic_member: 'org:member' };

export const CREATOR_ROLE_KEY = 'org:admin';
export const MANAGE_MEMBERSHIPS_PERMISSION = 'org:sys_memberships:manage';

export function canonicalRoleKey(key: string): string {
  return LEGACY_ROLE_KEYS[key] ?? key;
}

export interface RoleRef {
  id: string;
  key: string;
  name: string;
  permissions: string[];
}

/** Permission keys per role id, for roles of memberships or invitations being serialized. */
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

/** The role a request names (`org:admin`, `admin`, a custom key), or a 422 naming the parameter. */
export async function findRoleByKey(db: Executor, key: string, paramName = 'role'): Promise<RoleRef> {
  const row = await db.selectFrom('organization_roles').select('id').where('key', '=', canonicalRoleKey(key)).executeTakeFirst();
  const ref = row ? (await loadRoleRefs(db, [row.id])).get(row.id) : undefined;
  if (!ref) throw paramError('form_param_value_invalid', paramName, `${paramName} must be the key of an existing role, such as org:admin or org:member.`);
  return ref;
}
