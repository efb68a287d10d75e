import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  CATALOG_ORDER_FIELDS,
  deletePermissionRow,
  findPermissionRow,
  findPermissionsByKeysOrIds,
  insertPermission,
  listCatalogRows,
  listRolePermissionRows,
  listRolesHoldingPermission,
  permissionKeyTaken,
  updatePermissionRow,
  type CatalogOrderField,
  type CatalogRowQuery,
  type PermissionRow,
  type RoleRow,
} from '../../store/repositories/role-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent, diffOf } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { identifierTaken, withIdentifierConflicts } from '../users/identifier-conflicts.js';
import type { Permission, Role } from './types.js';
import type { Page } from '../page.js';

/**
 * The instance's permission catalog. System permissions (seeded, `org:sys_*`) keep their keys and
 * cannot be deleted, because memberships, the creator role and the last-manager rule are defined
 * in terms of them; their display name and description are the operator's to word.
 */

export type { PermissionRow, RoleRow };

// ---- catalog listing, shared with roles ----

/** The fields a role or permission list can be ordered by. */
export { CATALOG_ORDER_FIELDS, type CatalogOrderField };

export type CatalogListQuery = CatalogRowQuery;

// ---- validation ----

const PERMISSION_KEY = /^org:[a-z0-9_]+:[a-z0-9_]+$/;
const SYSTEM_FEATURE_PREFIX = 'org:sys_';
export const MAX_KEY_LENGTH = 128;
export const MAX_NAME_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1000;

/** A display name: trimmed, 1–100 characters. */
export function parseCatalogName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw paramError('form_param_nil', 'name');
  if ([...trimmed].length > MAX_NAME_LENGTH) {
    throw paramError('form_param_exceeds_allowed_size', 'name', `name must be at most ${MAX_NAME_LENGTH} characters long.`);
  }
  return trimmed;
}

export function parseCatalogDescription(description: string): string {
  if ([...description].length > MAX_DESCRIPTION_LENGTH) {
    throw paramError('form_param_exceeds_allowed_size', 'description', `description must be at most ${MAX_DESCRIPTION_LENGTH} characters long.`);
  }
  return description;
}

/** A custom permission key: `org:<feature>:<action>`, never in the reserved `sys_` feature space. */
function parseCustomPermissionKey(key: string): string {
  if (key.length > MAX_KEY_LENGTH || !PERMISSION_KEY.test(key)) {
    throw paramError(
      'form_param_format_invalid',
      'key',
      `key must look like org:<feature>:<action>, using lowercase letters, digits and underscores (at most ${MAX_KEY_LENGTH} characters).`,
    );
  }
  if (key.startsWith(SYSTEM_FEATURE_PREFIX)) {
    throw paramError('form_param_value_invalid', 'key', 'key must not begin with org:sys_, which is reserved for system permissions.');
  }
  return key;
}

// ---- reading ----

export function toPermission(row: PermissionRow): Permission {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    type: row.type,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function requirePermissionRow(db: Executor, permissionId: string): Promise<PermissionRow> {
  const row = await findPermissionRow(db, permissionId);
  if (!row) throw notFound();
  return row;
}

/** Each role's permissions, sorted by key, keyed by role id (roles without any are absent). */
export async function loadRolePermissions(db: Executor, roleIds: readonly string[]): Promise<Map<string, Permission[]>> {
  const out = new Map<string, Permission[]>();
  for (const { role_id, ...permission } of await listRolePermissionRows(db, roleIds)) {
    const list = out.get(role_id) ?? [];
    list.push(toPermission(permission));
    out.set(role_id, list);
  }
  return out;
}

/** Roles with their permissions, in row order. Here rather than in roles.ts because deleting a permission updates roles. */
export async function toRoles(db: Executor, rows: readonly RoleRow[]): Promise<Role[]> {
  const permissions = await loadRolePermissions(db, rows.map((r) => r.id));
  return rows.map((row) => ({
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    isCreatorEligible: row.is_creator_eligible === 1,
    permissions: permissions.get(row.id) ?? [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

/**
 * Turns the permissions a request names into permission ids. Clerk's spec says ids; its docs and
 * dashboards speak in keys, so an entry starting with `org:` is read as a key, anything else as an
 * id. Any entry naming no permission fails the whole request.
 */
export async function resolvePermissionIds(db: Executor, refs: readonly string[], paramName = 'permissions'): Promise<string[]> {
  const unique = [...new Set(refs)];
  if (unique.length === 0) return [];
  const keys = unique.filter((r) => r.startsWith('org:'));
  const ids = unique.filter((r) => !r.startsWith('org:'));
  const rows = await findPermissionsByKeysOrIds(db, keys, ids);
  const byRef = new Map<string, string>();
  for (const row of rows) {
    byRef.set(row.id, row.id);
    byRef.set(row.key, row.id);
  }
  const unknown = unique.filter((r) => !byRef.has(r));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((r) => r.slice(0, 140)).join(', ');
    throw paramError('form_param_value_invalid', paramName, `${paramName} must name existing permissions by id or key; not found: ${shown}.`);
  }
  return [...new Set(unique.map((r) => byRef.get(r) as string))];
}

export async function listPermissions(ctx: DomainContext, q: CatalogListQuery): Promise<Page<Permission>> {
  const { rows, total: totalCount } = await listCatalogRows(ctx.store.db, ctx.store.dialect, 'organization_permissions', q);
  return { items: rows.map(toPermission), totalCount };
}

export async function getPermission(ctx: DomainContext, permissionId: string): Promise<Permission> {
  return toPermission(await requirePermissionRow(ctx.store.db, permissionId));
}

// ---- writing ----

export interface CreatePermissionInput {
  name: string;
  key: string;
  description?: string | null | undefined;
}

async function assertPermissionKeyFree(db: Executor, key: string): Promise<void> {
  if (await permissionKeyTaken(db, key)) throw identifierTaken('key');
}

export async function createPermission(ctx: DomainContext, input: CreatePermissionInput): Promise<Permission> {
  const key = parseCustomPermissionKey(input.key);
  const name = parseCatalogName(input.name);
  const description = parseCatalogDescription(input.description ?? '');
  const now = ctx.now();
  const row: PermissionRow = { id: newId('perm', now), key, name, description, type: 'user', created_at: now, updated_at: now };
  await withIdentifierConflicts(() =>
    ctx.store.transaction(async (trx) => {
      await assertPermissionKeyFree(trx, key);
      await insertPermission(trx, row);
      await appendEvent(trx, { type: 'permission.created', data: eventData('permission.created', toPermission(row)) }, now);
    }),
  );
  return toPermission(row);
}

/** `undefined` or `null` leaves a field as it is. */
export interface UpdatePermissionInput {
  name?: string | null | undefined;
  key?: string | null | undefined;
  description?: string | null | undefined;
}

export async function updatePermission(ctx: DomainContext, permissionId: string, input: UpdatePermissionInput): Promise<Permission> {
  const name = input.name == null ? undefined : parseCatalogName(input.name);
  const description = input.description == null ? undefined : parseCatalogDescription(input.description);
  const now = ctx.now();
  return withIdentifierConflicts(() =>
    ctx.store.transaction(async (trx) => {
      const row = await requirePermissionRow(trx, permissionId);
      let key: string | undefined;
      if (input.key != null && input.key !== row.key) {
        if (row.type === 'system') throw new GatehouseError('system_resource_not_modifiable', { meta: { param_name: 'key' } });
        key = parseCustomPermissionKey(input.key);
        await assertPermissionKeyFree(trx, key);
      }
      const patch = {
        updated_at: now,
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(key !== undefined ? { key } : {}),
      };
      await updatePermissionRow(trx, permissionId, patch);
      const updated = toPermission({ ...row, ...patch });
      const [before, data] = [eventData('permission.updated', toPermission(row)), eventData('permission.updated', updated)];
      // An update that altered nothing visible (the same name again) appends nothing, as for users.
      if (diffOf(before, data) !== undefined) await appendEvent(trx, { type: 'permission.updated', data, before }, now);
      return updated;
    }),
  );
}

/** `role.updated` for each role, `before` and `after` holding the same roles. */
async function recordRolesUpdated(db: Executor, before: readonly Role[], after: readonly Role[], now: number): Promise<void> {
  const previous = new Map(before.map((role) => [role.id, eventData('role.updated', role)]));
  for (const role of after) {
    await appendEvent(db, { type: 'role.updated', data: eventData('role.updated', role), before: previous.get(role.id) }, now);
  }
}

/**
 * Deletes a custom permission; its grants go with it (cascade), and the roles that held it count
 * as updated: each gets `role.updated` (with the diff) ahead of the `permission.deleted`.
 */
export async function deletePermission(ctx: DomainContext, permissionId: string): Promise<{ object: 'permission'; id: string; deleted: true }> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const row = await requirePermissionRow(trx, permissionId);
    if (row.type === 'system') throw new GatehouseError('system_resource_not_modifiable');
    // Read before the grants go with the permission.
    const holders = await listRolesHoldingPermission(trx, permissionId);
    const before = await toRoles(trx, holders);
    await deletePermissionRow(trx, permissionId, now);
    await recordRolesUpdated(trx, before, await toRoles(trx, holders.map((r) => ({ ...r, updated_at: now }))), now);
    const deleted = { object: 'permission' as const, id: row.id, deleted: true as const };
    await appendEvent(trx, { type: 'permission.deleted', data: eventData('permission.deleted', deleted) }, now);
    return deleted;
  });
}
