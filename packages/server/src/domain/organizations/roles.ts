import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Dialect, Executor } from '../../store/db.js';
import {
  deleteRoleRow,
  findPermissionRow,
  findRoleRow,
  grantPermissions,
  heldPermissionKeys,
  insertRole,
  listCatalogRows,
  lockRoleRow,
  revokeAllPermissions,
  revokePermission,
  roleHoldsPermission,
  roleInUse,
  roleKeyTaken,
  updateRoleRow,
} from '../../store/repositories/role-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent, diffOf } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { identifierTaken, withIdentifierConflicts } from '../users/identifier-conflicts.js';
import {
  MAX_KEY_LENGTH,
  parseCatalogDescription,
  parseCatalogName,
  resolvePermissionIds,
  toRoles,
  type CatalogListQuery,
  type RoleRow,
} from './permissions.js';
import type { Role } from './types.js';
import type { Page } from '../page.js';

/**
 * Organization roles: named sets of permissions that memberships and invitations point at. The
 * two default roles always exist under their keys (other code and Clerk's SDKs name them), but
 * which permissions they grant is the operator's choice.
 */

const DEFAULT_ROLE_KEYS: ReadonlySet<string> = new Set(['org:admin', 'org:member']);
const ROLE_KEY = /^org:[a-z0-9_]+$/;

/**
 * What a role must grant to be given to an organization's creator (Clerk's rule): without them
 * the first member could neither manage the members nor delete the organization.
 */
const CREATOR_PERMISSIONS = ['org:sys_memberships:manage', 'org:sys_memberships:read', 'org:sys_profile:delete'] as const;

function parseRoleKey(key: string): string {
  if (key.length > MAX_KEY_LENGTH || !ROLE_KEY.test(key)) {
    throw paramError(
      'form_param_format_invalid',
      'key',
      `key must look like org:<name>, using lowercase letters, digits and underscores (at most ${MAX_KEY_LENGTH} characters).`,
    );
  }
  return key;
}

function parseDescription(description: string | null | undefined): string | null | undefined {
  return description == null ? description : parseCatalogDescription(description);
}

/** Maps a foreign-key violation from either driver; the schema's RESTRICT is the last line of defence. */
function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code } = error as { code?: unknown };
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

async function withForeignKeyAs<T>(code: 'organization_role_in_use' | 'resource_not_found', write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new GatehouseError(code);
    throw error;
  }
}

// ---- reading ----

async function loadRole(db: Executor, roleId: string): Promise<Role> {
  const row = await findRoleRow(db, roleId);
  if (!row) throw notFound();
  const [role] = await toRoles(db, [row]);
  if (!role) throw notFound();
  return role;
}

export async function listRoles(ctx: DomainContext, q: CatalogListQuery): Promise<Page<Role>> {
  const { rows, total: totalCount } = await listCatalogRows(ctx.store.db, ctx.store.dialect, 'organization_roles', q);
  return { items: await toRoles(ctx.store.db, rows), totalCount };
}

export function getRole(ctx: DomainContext, roleId: string): Promise<Role> {
  return loadRole(ctx.store.db, roleId);
}

// ---- writing ----

/**
 * Appends `role.created` or `role.updated` with the role as it now stands, read in the caller's
 * transaction; with `before` the event keeps the diff, and a change that altered nothing visible
 * appends nothing.
 */
async function recordRoleChange(ctx: DomainContext, db: Executor, type: 'role.created' | 'role.updated', role: Role, before?: Role): Promise<void> {
  const data = eventData(type, role);
  const previous = before ? eventData(type, before) : undefined;
  if (previous && diffOf(previous, data) === undefined) return;
  await appendEvent(db, { type, data, ...(previous ? { before: previous } : {}) }, ctx.now());
}

/** Runs `change` on a role, then records `role.updated` with the role before and after it. */
async function changeRole(ctx: DomainContext, db: Executor, roleId: string, change: () => Promise<void>): Promise<Role> {
  const before = await loadRole(db, roleId);
  await change();
  const after = await loadRole(db, roleId);
  await recordRoleChange(ctx, db, 'role.updated', after, before);
  return after;
}

/** Serializes writers of one role, so concurrent permission changes apply one after the other. */
async function lockRole(db: Executor, dialect: Dialect, roleId: string): Promise<RoleRow> {
  const row = await lockRoleRow(db, dialect, roleId);
  if (!row) throw notFound();
  return row;
}

async function assertRoleKeyFree(db: Executor, key: string): Promise<void> {
  if (await roleKeyTaken(db, key)) throw identifierTaken('key');
}

/** Re-derives creator eligibility and stamps the role as updated; call after its permissions change. */
async function touchRole(db: Executor, roleId: string, now: number): Promise<void> {
  const held = await heldPermissionKeys(db, roleId, CREATOR_PERMISSIONS);
  const eligible = held.length === CREATOR_PERMISSIONS.length ? 1 : 0;
  await updateRoleRow(db, roleId, { is_creator_eligible: eligible, updated_at: now });
}

export interface CreateRoleInput {
  name: string;
  key: string;
  description?: string | null | undefined;
  /** Permission ids or keys. */
  permissions?: readonly string[] | null | undefined;
}

export async function createRole(ctx: DomainContext, input: CreateRoleInput): Promise<Role> {
  const key = parseRoleKey(input.key);
  const name = parseCatalogName(input.name);
  const description = parseDescription(input.description) ?? null;
  const now = ctx.now();
  const id = newId('role', now);
  return withIdentifierConflicts(() =>
    withForeignKeyAs('resource_not_found', () =>
      ctx.store.transaction(async (trx) => {
        await assertRoleKeyFree(trx, key);
        const permissionIds = await resolvePermissionIds(trx, input.permissions ?? []);
        await insertRole(trx, { id, key, name, description, is_creator_eligible: 0, created_at: now, updated_at: now });
        await grantPermissions(trx, id, permissionIds);
        await touchRole(trx, id, now);
        const role = await loadRole(trx, id);
        await recordRoleChange(ctx, trx, 'role.created', role);
        return role;
      }),
    ),
  );
}

/** `undefined` or `null` leaves a field as it is; `permissions`, when given, replaces the whole set. */
export interface UpdateRoleInput {
  name?: string | null | undefined;
  key?: string | null | undefined;
  description?: string | null | undefined;
  permissions?: readonly string[] | null | undefined;
}

export async function updateRole(ctx: DomainContext, roleId: string, input: UpdateRoleInput): Promise<Role> {
  const name = input.name == null ? undefined : parseCatalogName(input.name);
  const description = parseDescription(input.description);
  const now = ctx.now();
  return withIdentifierConflicts(() =>
    withForeignKeyAs('resource_not_found', () =>
      ctx.store.transaction(async (trx) => {
        const row = await lockRole(trx, ctx.store.dialect, roleId);
        let key: string | undefined;
        if (input.key != null && input.key !== row.key) {
          if (DEFAULT_ROLE_KEYS.has(row.key)) throw new GatehouseError('system_resource_not_modifiable', { meta: { param_name: 'key' } });
          key = parseRoleKey(input.key);
          await assertRoleKeyFree(trx, key);
        }
        return changeRole(ctx, trx, roleId, async () => {
          await updateRoleRow(trx, roleId, {
            updated_at: now,
            ...(name !== undefined ? { name } : {}),
            ...(description != null ? { description } : {}),
            ...(key !== undefined ? { key } : {}),
          });
          if (input.permissions != null) {
            const permissionIds = await resolvePermissionIds(trx, input.permissions);
            await revokeAllPermissions(trx, roleId);
            await grantPermissions(trx, roleId, permissionIds);
            await touchRole(trx, roleId, now);
          }
        });
      }),
    ),
  );
}

/**
 * Deletes a role no membership or invitation (of any status: the rows keep pointing at it) uses.
 * The explicit check gives the clear error; the foreign key catches a membership added meanwhile.
 */
export async function deleteRole(ctx: DomainContext, roleId: string): Promise<{ object: 'role'; id: string; deleted: true }> {
  return withForeignKeyAs('organization_role_in_use', () =>
    ctx.store.transaction(async (trx) => {
      const row = await lockRole(trx, ctx.store.dialect, roleId);
      if (DEFAULT_ROLE_KEYS.has(row.key)) throw new GatehouseError('system_resource_not_modifiable');
      if (await roleInUse(trx, roleId)) throw new GatehouseError('organization_role_in_use');
      await deleteRoleRow(trx, roleId);
      const deleted = { object: 'role' as const, id: row.id, deleted: true as const };
      await appendEvent(trx, { type: 'role.deleted', data: eventData('role.deleted', deleted) }, ctx.now());
      return deleted;
    }),
  );
}

async function requirePermissionExists(db: Executor, permissionId: string): Promise<void> {
  if (!(await findPermissionRow(db, permissionId))) throw notFound();
}

/**
 * Grants one permission. Granting one the role already holds succeeds and changes nothing, so a
 * client retrying after a lost reply gets the same answer (Clerk documents a 409 here instead).
 */
export async function assignPermissionToRole(ctx: DomainContext, roleId: string, permissionId: string): Promise<Role> {
  const now = ctx.now();
  return withForeignKeyAs('resource_not_found', () =>
    ctx.store.transaction(async (trx) => {
      await lockRole(trx, ctx.store.dialect, roleId);
      await requirePermissionExists(trx, permissionId);
      if (await roleHoldsPermission(trx, roleId, permissionId)) return loadRole(trx, roleId);
      return changeRole(ctx, trx, roleId, async () => {
        await grantPermissions(trx, roleId, [permissionId]);
        await touchRole(trx, roleId, now);
      });
    }),
  );
}

/** Revokes one permission; one the role does not hold is a 404, like an unknown role or permission. */
export async function removePermissionFromRole(ctx: DomainContext, roleId: string, permissionId: string): Promise<Role> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    await lockRole(trx, ctx.store.dialect, roleId);
    await requirePermissionExists(trx, permissionId);
    return changeRole(ctx, trx, roleId, async () => {
      if (!(await revokePermission(trx, roleId, permissionId))) {
        throw new GatehouseError('resource_not_found', { longMessage: 'The role does not hold this permission.' });
      }
      await touchRole(trx, roleId, now);
    });
  });
}
