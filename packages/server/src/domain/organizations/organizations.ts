import type { DeletedObject } from '../deleted-object.js';
import type { Updateable } from 'kysely';
import { newId } from '../../crypto/ids.js';
import { randomSecret } from '../../crypto/tokens.js';
import { GatehouseError, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import type { OrganizationTable } from '../../store/schema.js';
import { uniqueViolationColumn } from '../../store/unique-violation.js';
import { assertValidMetadata, metadataPatch, type Metadata, type MetadataMode } from '../metadata.js';
import type { DomainContext } from '../context.js';
import { appendEvent, diffOf } from '../events/append-event.js';
import { eventData, type EventData } from '../events/catalog.js';
import { recordMembershipChange, recordMembershipsRemovedWithOrganization } from './memberships.js';
import {
  countOrganizationsCreatedBy,
  deleteOrganizationRow,
  findOrganizationRowById,
  insertOrganization,
  listOrganizationRows,
  lockOrganizationRow,
  organizationSlugTaken,
  requireOrganizationRow,
  updateOrganizationRow,
} from '../../store/repositories/organization-repository.js';
import { insertMembership } from '../../store/repositories/membership-repository.js';
import { lockUserRow, readUserIdentity } from '../../store/repositories/user-repository.js';
import { toOrganizations, type OrganizationCounts } from './to-organization.js';
import { CREATOR_ROLE_KEY, findRoleByKey } from './role-keys.js';
import type { Organization } from './types.js';
import type { Page } from '../page.js';

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;

/** Lower-case, ASCII, dash-separated; never starts with `org_`, so a path segment is an id or a slug. */
export function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return base.length > 0 ? base : 'organization';
}

function parseSlug(input: string): string {
  const slug = input.trim().toLowerCase();
  if (!SLUG_PATTERN.test(slug) || slug.startsWith('org_')) {
    throw paramError(
      'form_param_format_invalid',
      'slug',
      'slug must be 1–64 lower-case letters, digits, dashes or underscores, start and end with a letter or digit, and not start with org_.',
    );
  }
  return slug;
}

function parseName(input: string): string {
  const name = input.trim();
  if (name.length === 0 || name.length > 256) throw paramError('form_param_format_invalid', 'name', 'name must be 1–256 characters.');
  return name;
}

/** A generated slug that collides gets a short random suffix rather than failing the create. */
async function availableSlug(db: Executor, base: string): Promise<string> {
  if (!(await organizationSlugTaken(db, base))) return base;
  for (let i = 0; i < 5; i++) {
    const candidate = `${base}-${randomSecret(4).toLowerCase().slice(0, 6)}`;
    if (!(await organizationSlugTaken(db, candidate))) return candidate;
  }
  throw new GatehouseError('form_identifier_exists', { meta: { param_name: 'slug' } });
}

function slugConflict<T>(write: () => Promise<T>): Promise<T> {
  return write().catch((error: unknown) => {
    if (uniqueViolationColumn(error) === 'slug') throw new GatehouseError('form_identifier_exists', { meta: { param_name: 'slug' } });
    throw error;
  });
}

export async function getOrganization(ctx: DomainContext, idOrSlug: string, counts: OrganizationCounts = {}): Promise<Organization> {
  const row = await requireOrganizationRow(ctx.store.db, idOrSlug);
  const [org] = await toOrganizations(ctx.store.db, ctx, [row], counts);
  return org as Organization;
}

/**
 * The organization as an `organization.*` webhook carries it, counts included as in Clerk's
 * payloads. Read through `db`: inside a transaction pass the transaction, since on SQLite a read
 * through `ctx.store.db` would wait for the very transaction that is asking.
 */
export async function organizationPayload(ctx: DomainContext, db: Executor, organizationId: string): Promise<EventData<'organization.updated'> | undefined> {
  const row = await findOrganizationRowById(db, organizationId);
  if (!row) return undefined;
  const [org] = await toOrganizations(db, ctx, [row], { membersCount: true, pendingInvitationsCount: true });
  return org ? eventData('organization.updated', org) : undefined;
}

/**
 * Appends `organization.created` or `organization.updated` with the organization as it now
 * stands; pass the payload read at the start of the transaction as `before` and the event keeps
 * the diff. A change that altered nothing visible appends nothing.
 */
export async function recordOrganizationChange(
  ctx: DomainContext,
  db: Executor,
  organizationId: string,
  type: 'organization.created' | 'organization.updated',
  before?: EventData<'organization.updated'>,
): Promise<void> {
  const after = await organizationPayload(ctx, db, organizationId);
  if (!after) return;
  if (before && diffOf(before, after) === undefined) return;
  await appendEvent(db, { type, data: after, ...(before ? { before } : {}), subjectOrganizationId: organizationId }, ctx.now());
}

export interface CreateOrganizationInput {
  name: string;
  slug?: string | null;
  createdBy?: string | null;
  maxAllowedMemberships?: number | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  createdAt?: number | null;
  /**
   * How many organizations `createdBy` may have created, this one included; checked under the
   * creator's row lock, so parallel requests cannot pass it together.
   */
  creatorLimit?: number;
}

/** Makes the creator the organization's first admin; returns the membership's id. */
async function addCreatorMembership(db: Executor, organizationId: string, userId: string, now: number): Promise<string> {
  const role = await findRoleByKey(db, CREATOR_ROLE_KEY);
  const id = newId('orgmem', now);
  await insertMembership(db, {
    id,
    organization_id: organizationId,
    user_id: userId,
    role_id: role.id,
    public_metadata: '{}',
    private_metadata: '{}',
    created_at: now,
    updated_at: now,
  });
  return id;
}

async function assertBelowCreatorLimit(ctx: DomainContext, trx: Executor, userId: string, limit: number): Promise<void> {
  await lockUserRow(trx, ctx.store.dialect, userId);
  if ((await countOrganizationsCreatedBy(trx, userId)) >= limit) throw new GatehouseError('organization_creation_limit_reached', { meta: { limit } });
}

/** Creates the organization and, when `createdBy` is given, makes that user its first admin. */
export async function createOrganization(ctx: DomainContext, input: CreateOrganizationInput): Promise<Organization> {
  const name = parseName(input.name);
  const explicitSlug = input.slug ? parseSlug(input.slug) : undefined;
  const publicMetadata = assertValidMetadata(input.publicMetadata ?? {}, 'public_metadata');
  const privateMetadata = assertValidMetadata(input.privateMetadata ?? {}, 'private_metadata');
  const now = ctx.now();
  const createdAt = input.createdAt ?? now;
  const id = newId('org', createdAt);
  await slugConflict(() =>
    ctx.store.transaction(async (trx) => {
      if (input.createdBy) {
        if (!(await readUserIdentity(trx, input.createdBy))) throw paramError('form_param_value_invalid', 'created_by', 'created_by must be the id of an existing user.');
        if (input.creatorLimit !== undefined) await assertBelowCreatorLimit(ctx, trx, input.createdBy, input.creatorLimit);
      }
      let slug: string;
      if (explicitSlug) {
        if (await organizationSlugTaken(trx, explicitSlug)) throw new GatehouseError('form_identifier_exists', { meta: { param_name: 'slug' } });
        slug = explicitSlug;
      } else {
        slug = await availableSlug(trx, slugFromName(name));
      }
      await insertOrganization(trx, {
        id,
        name,
        slug,
        image_id: null,
        max_allowed_memberships: input.maxAllowedMemberships ?? 0,
        admin_delete_enabled: 1,
        public_metadata: JSON.stringify(publicMetadata),
        private_metadata: JSON.stringify(privateMetadata),
        created_by: input.createdBy ?? null,
        created_at: createdAt,
        updated_at: now,
      });
      const membershipId = input.createdBy ? await addCreatorMembership(trx, id, input.createdBy, now) : undefined;
      // Written after the creator joined, so the payload counts them as Clerk's does.
      await recordOrganizationChange(ctx, trx, id, 'organization.created');
      if (membershipId) await recordMembershipChange(ctx, trx, membershipId, 'organizationMembership.created');
    }),
  );
  return getOrganization(ctx, id);
}

export interface UpdateOrganizationInput {
  name?: string | null;
  slug?: string | null;
  maxAllowedMemberships?: number | null;
  adminDeleteEnabled?: boolean | null;
  createdAt?: number | null;
  /** Deprecated by Clerk but still sent by its SDK: replaces the whole value, unlike `/metadata`. */
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
}

export async function updateOrganization(ctx: DomainContext, organizationId: string, input: UpdateOrganizationInput): Promise<Organization> {
  const patch: Updateable<OrganizationTable> = { updated_at: ctx.now() };
  if (input.name != null) patch.name = parseName(input.name);
  if (input.maxAllowedMemberships != null) patch.max_allowed_memberships = input.maxAllowedMemberships;
  if (input.adminDeleteEnabled != null) patch.admin_delete_enabled = input.adminDeleteEnabled ? 1 : 0;
  if (input.createdAt != null) patch.created_at = input.createdAt;
  const slug = input.slug ? parseSlug(input.slug) : undefined;
  let id = organizationId;
  await slugConflict(() =>
    ctx.store.transaction(async (trx) => {
      // Locked so `before` is still true when the update lands, and the diff is exact.
      const current = await lockOrganizationRow(trx, ctx.store.dialect, (await requireOrganizationRow(trx, organizationId)).id);
      id = current.id;
      const before = await organizationPayload(ctx, trx, current.id);
      if (slug !== undefined && slug !== current.slug) {
        if (await organizationSlugTaken(trx, slug, current.id)) throw new GatehouseError('form_identifier_exists', { meta: { param_name: 'slug' } });
        patch.slug = slug;
      }
      Object.assign(
        patch,
        metadataPatch(
          { public_metadata: current.public_metadata, private_metadata: current.private_metadata },
          { public_metadata: input.publicMetadata, private_metadata: input.privateMetadata },
          'replace',
        ),
      );
      await updateOrganizationRow(trx, current.id, patch);
      await recordOrganizationChange(ctx, trx, current.id, 'organization.updated', before);
    }),
  );
  return getOrganization(ctx, id);
}

export async function updateOrganizationMetadata(
  ctx: DomainContext,
  organizationId: string,
  input: { publicMetadata?: Metadata | null; privateMetadata?: Metadata | null },
  mode: MetadataMode,
): Promise<Organization> {
  let id = organizationId;
  await ctx.store.transaction(async (trx) => {
    const found = await requireOrganizationRow(trx, organizationId);
    id = found.id;
    const row = await lockOrganizationRow(trx, ctx.store.dialect, found.id);
    const before = await organizationPayload(ctx, trx, row.id);
    const patch = metadataPatch(
      { public_metadata: row.public_metadata, private_metadata: row.private_metadata },
      { public_metadata: input.publicMetadata, private_metadata: input.privateMetadata },
      mode,
    );
    await updateOrganizationRow(trx, row.id, { ...patch, updated_at: ctx.now() });
    await recordOrganizationChange(ctx, trx, row.id, 'organization.updated', before);
  });
  return getOrganization(ctx, id);
}

/**
 * Deletes the organization; its memberships and invitations go with it in the same statement.
 * The row lock keeps a member from joining between the membership events and the delete, which
 * would remove that member unrecorded.
 */
export async function deleteOrganization(ctx: DomainContext, organizationId: string): Promise<DeletedObject> {
  return ctx.store.transaction(async (trx) => {
    const found = await requireOrganizationRow(trx, organizationId);
    const row = await lockOrganizationRow(trx, ctx.store.dialect, found.id);
    await recordMembershipsRemovedWithOrganization(ctx, trx, row.id);
    await deleteOrganizationRow(trx, row);
    const deleted: DeletedObject = { object: 'organization', id: row.id, slug: row.slug, deleted: true };
    await appendEvent(trx, { type: 'organization.deleted', data: eventData('organization.deleted', deleted), subjectOrganizationId: row.id }, ctx.now());
    return deleted;
  });
}

export const ORGANIZATION_ORDER_FIELDS = ['name', 'created_at', 'members_count'] as const;

export interface OrganizationListQuery {
  query?: string;
  organizationIds?: string[];
  userIds?: string[];
  orderBy: { field: (typeof ORGANIZATION_ORDER_FIELDS)[number]; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
  includeMembersCount: boolean;
}

export async function listOrganizations(ctx: DomainContext, q: OrganizationListQuery): Promise<Page<Organization>> {
  const { rows, total } = await listOrganizationRows(ctx.store.db, { text: q.query?.trim(), organizationIds: q.organizationIds, userIds: q.userIds, orderBy: q.orderBy, limit: q.limit, offset: q.offset });
  const items = await toOrganizations(ctx.store.db, ctx, rows, { membersCount: q.includeMembersCount });
  return { items, totalCount: total };
}
