import { paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { findRoleIdByKey, findRoleRow, loadRoleRefs, type RoleRef } from '../../store/repositories/role-repository.js';
import type { DomainContext } from '../context.js';

/** Clerk's legacy role keys, still accepted everywhere a role is taken. */
const LEGACY_ROLE_KEYS: Record<string, string> = { admin: 'org:admin', basic_member: 'org:member' };

export const CREATOR_ROLE_KEY = 'org:admin';
export const MANAGE_MEMBERSHIPS_PERMISSION = 'org:sys_memberships:manage';

export function canonicalRoleKey(key: string): string {
  return LEGACY_ROLE_KEYS[key] ?? key;
}

/** A role with its permission keys, as memberships and invitations show it. */
export type { RoleRef };
export { loadRoleRefs };

/** The role a request names (`org:admin`, `admin`, a custom key), or a 422 naming the parameter. */
export async function findRoleByKey(db: Executor, key: string, paramName = 'role'): Promise<RoleRef> {
  const id = await findRoleIdByKey(db, canonicalRoleKey(key));
  const ref = id ? (await loadRoleRefs(db, [id])).get(id) : undefined;
  if (!ref) throw paramError('form_param_value_invalid', paramName, `${paramName} must be the key of an existing role, such as org:admin or org:member.`);
  return ref;
}

/** A role named by its id (as Clerk's settings name roles) or its key. */
export async function findRoleByIdOrKey(ctx: DomainContext, ref: string, paramName: string): Promise<RoleRef> {
  const row = await findRoleRow(ctx.store.db, ref);
  if (row) {
    const found = (await loadRoleRefs(ctx.store.db, [row.id])).get(row.id);
    if (found) return found;
  }
  return findRoleByKey(ctx.store.db, ref, paramName);
}
