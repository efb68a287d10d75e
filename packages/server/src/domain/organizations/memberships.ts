import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  countOtherMembersWithPermission,
  deleteMembershipRow,
  findMembershipRow,
  findMembershipRowById,
  insertMembership,
  listMembershipRows,
  listMembershipRowsOf,
  listMembershipRowsOfUsers,
  MEMBERSHIP_ORDER_FIELDS,
  updateMembershipRow,
  type MembershipOrderField,
  type MembershipRow,
} from '../../store/repositories/membership-repository.js';
import { findRoleIdsByKeys } from '../../store/repositories/role-repository.js';
import { lockUserRow, readUserIdentity } from '../../store/repositories/user-repository.js';
import { uniqueViolationColumn } from '../../store/unique-violation.js';
import { assertValidMetadata, metadataPatch, parseStoredMetadata, type Metadata, type MetadataMode } from '../metadata.js';
import type { DomainContext } from '../context.js';
import { appendEvent, diffOf } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { toFilter, type UserListQuery } from '../users/list-users.js';
import { listOrganizationRowsByIds, lockOrganizationRow, requireOrganizationRow, type OrganizationRow } from '../../store/repositories/organization-repository.js';
import { assertSeatsAvailable } from './seats.js';
import { toOrganizations } from './to-organization.js';
import { loadPublicUserData } from './public-user-data.js';
import { MANAGE_MEMBERSHIPS_PERMISSION, canonicalRoleKey, findRoleByKey, loadRoleRefs, type RoleRef } from './role-keys.js';
import type { OrganizationMembership } from './types.js';
import type { Page } from '../page.js';

/** Full memberships (organization, public user data, role with permissions) in row order, in four queries. */
async function toMemberships(db: Executor, ctx: DomainContext, rows: readonly MembershipRow[]): Promise<OrganizationMembership[]> {
  if (rows.length === 0) return [];
  const orgIds = [...new Set(rows.map((r) => r.organization_id))];
  const [orgRows, users, roles] = await Promise.all([
    listOrganizationRowsByIds(db, orgIds),
    loadPublicUserData(ctx, db, rows.map((r) => r.user_id)),
    loadRoleRefs(db, rows.map((r) => r.role_id)),
  ]);
  const orgs = new Map((await toOrganizations(db, ctx, orgRows)).map((o) => [o.id, o]));
  return rows.flatMap((row) => {
    const organization = orgs.get(row.organization_id);
    const publicUserData = users.get(row.user_id);
    const role = roles.get(row.role_id);
    if (!organization || !publicUserData || !role) return [];
    return [
      {
        id: row.id,
        organization,
        publicUserData,
        role: { key: role.key, name: role.name, permissions: role.permissions },
        publicMetadata: parseStoredMetadata(row.public_metadata),
        privateMetadata: parseStoredMetadata(row.private_metadata),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
    ];
  });
}

/** One full membership, read through `db` (inside a transaction, the transaction: see `organizationPayload`). */
async function loadMembership(ctx: DomainContext, db: Executor, id: string): Promise<OrganizationMembership | undefined> {
  const row = await findMembershipRowById(db, id);
  if (!row) return undefined;
  const [membership] = await toMemberships(db, ctx, [row]);
  return membership;
}

type MembershipEventType = 'organizationMembership.created' | 'organizationMembership.updated' | 'organizationMembership.deleted';

async function appendMembershipEvent(
  ctx: DomainContext,
  db: Executor,
  type: MembershipEventType,
  membership: OrganizationMembership,
  before?: OrganizationMembership,
): Promise<void> {
  await appendEvent(
    db,
    {
      type,
      data: eventData(type, membership),
      ...(before ? { before: eventData(type, before) } : {}),
      subjectUserId: membership.publicUserData.userId,
      subjectOrganizationId: membership.organization.id,
    },
    ctx.now(),
  );
}

/**
 * Appends `organizationMembership.created` or `.updated` with the membership as it now stands,
 * read in the caller's transaction; with `before` (read at its start) the event keeps the diff,
 * and a change that altered nothing visible appends nothing.
 */
export async function recordMembershipChange(
  ctx: DomainContext,
  db: Executor,
  membershipId: string,
  type: 'organizationMembership.created' | 'organizationMembership.updated',
  before?: OrganizationMembership,
): Promise<void> {
  const after = await loadMembership(ctx, db, membershipId);
  if (!after) return;
  if (before && diffOf(eventData(type, before), eventData(type, after)) === undefined) return;
  await appendMembershipEvent(ctx, db, type, after, before);
}

/** `organizationMembership.deleted` for each of these memberships, as they stand: call before they go. */
async function recordMembershipsRemoved(ctx: DomainContext, db: Executor, rows: readonly MembershipRow[]): Promise<void> {
  for (const membership of await toMemberships(db, ctx, rows)) {
    await appendMembershipEvent(ctx, db, 'organizationMembership.deleted', membership);
  }
}

/**
 * Deleting a user removes their memberships by cascade: call this in the deleting transaction,
 * before the user row goes, to record each removal. It locks the user row (PostgreSQL), so a
 * membership added concurrently either lands before the read or waits and then fails its foreign
 * key, and never disappears unrecorded.
 */
export async function recordMembershipsRemovedWithUser(ctx: DomainContext, db: Executor, userId: string): Promise<void> {
  await lockUserRow(db, ctx.store.dialect, userId);
  await recordMembershipsRemoved(ctx, db, await listMembershipRowsOf(db, 'user_id', userId));
}

/** The same for an organization being deleted; the caller holds the organization's row lock. */
export async function recordMembershipsRemovedWithOrganization(ctx: DomainContext, db: Executor, organizationId: string): Promise<void> {
  await recordMembershipsRemoved(ctx, db, await listMembershipRowsOf(db, 'organization_id', organizationId));
}

async function findMembership(db: Executor, organizationId: string, userId: string): Promise<MembershipRow> {
  const row = await findMembershipRow(db, organizationId, userId);
  if (!row) throw notFound();
  return row;
}

/**
 * The rule that an organization keeps at least one member able to manage memberships: refuses a
 * change that would take that permission from the last member holding it. Runs under the
 * organization's row lock, so two concurrent demotions cannot both pass.
 */
async function assertAnotherManagerRemains(db: Executor, membership: MembershipRow, nextRole: RoleRef | undefined): Promise<void> {
  const current = (await loadRoleRefs(db, [membership.role_id])).get(membership.role_id);
  const loses = current?.permissions.includes(MANAGE_MEMBERSHIPS_PERMISSION) && !nextRole?.permissions.includes(MANAGE_MEMBERSHIPS_PERMISSION);
  if (!loses) return;
  if ((await countOtherMembersWithPermission(db, membership.organization_id, membership.id, MANAGE_MEMBERSHIPS_PERMISSION)) === 0) throw new GatehouseError('organization_minimum_permissions_needed');
}

export interface CreateMembershipInput {
  userId: string;
  role: string;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
}

/**
 * Adds a membership in the caller's transaction, which holds the organization's row lock and has
 * checked that the user is not a member yet: the seat limit, the row and its event.
 */
export async function addMembershipIn(
  ctx: DomainContext,
  trx: Executor,
  org: OrganizationRow,
  input: { id: string; userId: string; roleId: string; publicMetadata: Metadata; privateMetadata: Metadata },
  now: number,
): Promise<void> {
  await assertSeatsAvailable(trx, org, now);
  await insertMembership(trx, {
    id: input.id,
    organization_id: org.id,
    user_id: input.userId,
    role_id: input.roleId,
    public_metadata: JSON.stringify(input.publicMetadata),
    private_metadata: JSON.stringify(input.privateMetadata),
    created_at: now,
    updated_at: now,
  });
  await recordMembershipChange(ctx, trx, input.id, 'organizationMembership.created');
}

export async function createMembership(ctx: DomainContext, organizationId: string, input: CreateMembershipInput): Promise<OrganizationMembership> {
  const publicMetadata = assertValidMetadata(input.publicMetadata ?? {}, 'public_metadata');
  const privateMetadata = assertValidMetadata(input.privateMetadata ?? {}, 'private_metadata');
  const now = ctx.now();
  const id = newId('orgmem', now);
  try {
    await ctx.store.transaction(async (trx) => {
      const found = await requireOrganizationRow(trx, organizationId);
      const org = await lockOrganizationRow(trx, ctx.store.dialect, found.id);
      const role = await findRoleByKey(trx, input.role);
      if (!(await readUserIdentity(trx, input.userId))) throw paramError('form_param_value_invalid', 'user_id', 'user_id must be the id of an existing user.');
      if (await findMembershipRow(trx, org.id, input.userId)) throw new GatehouseError('already_a_member_in_organization', { meta: { param_name: 'user_id' } });
      await addMembershipIn(ctx, trx, org, { id, userId: input.userId, roleId: role.id, publicMetadata, privateMetadata }, now);
    });
  } catch (error) {
    if (uniqueViolationColumn(error) !== undefined) throw new GatehouseError('already_a_member_in_organization', { meta: { param_name: 'user_id' } });
    throw error;
  }
  return getMembershipById(ctx, id);
}

async function getMembershipById(ctx: DomainContext, id: string): Promise<OrganizationMembership> {
  const membership = await loadMembership(ctx, ctx.store.db, id);
  if (!membership) throw notFound();
  return membership;
}

export async function updateMembershipRole(ctx: DomainContext, organizationId: string, userId: string, roleKey: string): Promise<OrganizationMembership> {
  const membershipId = await ctx.store.transaction(async (trx) => {
    const found = await requireOrganizationRow(trx, organizationId);
    await lockOrganizationRow(trx, ctx.store.dialect, found.id);
    const membership = await findMembership(trx, found.id, userId);
    const role = await findRoleByKey(trx, roleKey);
    if (role.id !== membership.role_id) {
      await assertAnotherManagerRemains(trx, membership, role);
      const before = await loadMembership(ctx, trx, membership.id);
      await updateMembershipRow(trx, membership.id, { role_id: role.id, updated_at: ctx.now() });
      await recordMembershipChange(ctx, trx, membership.id, 'organizationMembership.updated', before);
    }
    return membership.id;
  });
  return getMembershipById(ctx, membershipId);
}

/** Removes the member and returns the membership as it was, as Clerk does. */
export async function deleteMembership(ctx: DomainContext, organizationId: string, userId: string): Promise<OrganizationMembership> {
  return ctx.store.transaction(async (trx) => {
    const found = await requireOrganizationRow(trx, organizationId);
    await lockOrganizationRow(trx, ctx.store.dialect, found.id);
    const membership = await findMembership(trx, found.id, userId);
    await assertAnotherManagerRemains(trx, membership, undefined);
    const [before] = await toMemberships(trx, ctx, [membership]);
    await deleteMembershipRow(trx, membership.id);
    if (!before) throw notFound();
    await appendMembershipEvent(ctx, trx, 'organizationMembership.deleted', before);
    return before;
  });
}

export async function updateMembershipMetadata(
  ctx: DomainContext,
  organizationId: string,
  userId: string,
  input: { publicMetadata?: Metadata | null; privateMetadata?: Metadata | null },
  mode: MetadataMode = 'merge',
): Promise<OrganizationMembership> {
  const membershipId = await ctx.store.transaction(async (trx) => {
    const found = await requireOrganizationRow(trx, organizationId);
    await lockOrganizationRow(trx, ctx.store.dialect, found.id);
    const membership = await findMembership(trx, found.id, userId);
    const before = await loadMembership(ctx, trx, membership.id);
    const patch = metadataPatch(
      { public_metadata: membership.public_metadata, private_metadata: membership.private_metadata },
      { public_metadata: input.publicMetadata, private_metadata: input.privateMetadata },
      mode,
    );
    await updateMembershipRow(trx, membership.id, { ...patch, updated_at: ctx.now() });
    await recordMembershipChange(ctx, trx, membership.id, 'organizationMembership.updated', before);
    return membership.id;
  });
  return getMembershipById(ctx, membershipId);
}

/** The fields a membership list can be ordered by. */
export { MEMBERSHIP_ORDER_FIELDS, type MembershipOrderField };

export interface MembershipPage {
  orderBy: { field: MembershipOrderField; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

async function pageMemberships(
  ctx: DomainContext,
  where: { organizationId?: string; userId?: string; roleIds?: string[]; users?: UserListQuery },
  page: MembershipPage,
): Promise<Page<OrganizationMembership>> {
  const users = where.users && Object.keys(where.users).length > 0 ? toFilter(where.users) : undefined;
  const { rows, total } = await listMembershipRows(ctx.store.db, ctx.store.dialect, { organizationId: where.organizationId, userId: where.userId, roleIds: where.roleIds, users, ...page });
  return { items: await toMemberships(ctx.store.db, ctx, rows), totalCount: total };
}

export async function listOrganizationMemberships(
  ctx: DomainContext,
  organizationId: string,
  filter: { roles?: string[]; users?: UserListQuery },
  page: MembershipPage,
): Promise<Page<OrganizationMembership>> {
  const org = await requireOrganizationRow(ctx.store.db, organizationId);
  let roleIds: string[] | undefined;
  if (filter.roles) {
    const keys = filter.roles.map(canonicalRoleKey);
    roleIds = await findRoleIdsByKeys(ctx.store.db, keys);
  }
  return pageMemberships(ctx, { organizationId: org.id, ...(roleIds ? { roleIds } : {}), ...(filter.users ? { users: filter.users } : {}) }, page);
}

export function listInstanceMemberships(ctx: DomainContext, page: MembershipPage): Promise<Page<OrganizationMembership>> {
  return pageMemberships(ctx, {}, page);
}

export async function listUserMemberships(ctx: DomainContext, userId: string, page: MembershipPage): Promise<Page<OrganizationMembership>> {
  if (!(await readUserIdentity(ctx.store.db, userId))) throw notFound();
  return pageMemberships(ctx, { userId }, page);
}

/** Every membership of each user, oldest first, as the browser's copy of a user carries them. */
export async function loadUsersMemberships(ctx: DomainContext, userIds: readonly string[]): Promise<Map<string, OrganizationMembership[]>> {
  const byUser = new Map<string, OrganizationMembership[]>(userIds.map((id) => [id, []]));
  const memberships = await toMemberships(ctx.store.db, ctx, await listMembershipRowsOfUsers(ctx.store.db, [...new Set(userIds)]));
  for (const membership of memberships) byUser.get(membership.publicUserData.userId)?.push(membership);
  return byUser;
}
