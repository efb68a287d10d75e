import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  acceptPendingInvitationRow,
  anyAddressIsMember,
  findOrganizationInvitationRow,
  findOrganizationInvitationRowById,
  findPendingOrganizationInvitationRowByTicketHash,
  hasLivePendingOrganizationInvitation,
  insertOrganizationInvitations,
  listOrganizationInvitationRows,
  type OrganizationInvitationRow as InvitationRow,
} from '../../store/repositories/invitation-repository.js';
import { findExistingUserIds, listVerifiedEmailAddresses, readUserIdentity } from '../../store/repositories/user-repository.js';
import type { InvitationStatus } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import {
  assertDistinctAddresses,
  duplicatePendingInvitation,
  expiresAtFor,
  invitationNotPending,
  issueTicket,
  parseRedirectUrl,
  readStatus,
  ticketAcceptUrl,
  ticketInvalid,
  ticketLookupHash,
  withPendingInvitationConflicts,
  markInvitationRevoked,
} from '../invitations/invitation-tickets.js';
import { queueInvitationEmail } from '../invitations/invitation-email.js';
import { findMembershipRow } from '../../store/repositories/membership-repository.js';
import { addMembershipIn } from './memberships.js';
import { assertValidMetadata, parseStoredMetadata, type Metadata } from '../metadata.js';
import { normalizeEmail, parseEmailAddress } from '../users/identifiers.js';
import { listOrganizationCards, lockOrganizationRow, requireOrganizationRow } from '../../store/repositories/organization-repository.js';
import { assertSeatsAvailable } from './seats.js';
import { imageUrlFor } from '../images.js';
import { loadPublicUserData } from './public-user-data.js';
import { findRoleByKey, loadRoleRefs } from './role-keys.js';
import type { OrganizationInvitation } from './types.js';
import type { Page } from '../page.js';

export interface CreateOrganizationInvitationInput {
  emailAddress: string;
  role: string;
  /** Optional through the Backend API; when given it must name an existing user (see below). */
  inviterUserId?: string | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  redirectUrl?: string | null;
  expiresInDays?: number | null;
  /** Whether the invitee is emailed the accept link (the default). */
  notify?: boolean | null;
}

export interface OrganizationInvitationListQuery {
  statuses?: readonly InvitationStatus[];
  emailAddresses?: readonly string[];
  orderBy: { field: 'created_at' | 'email_address'; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

export interface UserOrganizationInvitationListQuery {
  statuses?: readonly InvitationStatus[];
  limit: number;
  offset: number;
}

export interface PublicOrganizationData {
  id: string;
  name: string;
  slug: string;
  imageUrl: string | null;
}

export type OrganizationInvitationWithOrganization = OrganizationInvitation & { publicOrganizationData: PublicOrganizationData };

/** An invitation just accepted, and by whom: the `organizationInvitation.accepted` event's subject. */
export interface AcceptedOrganizationInvitation {
  invitation: OrganizationInvitationWithOrganization;
  userId: string;
}

/** What the ticket redemption flow needs to know about the invitation a ticket belongs to. */
export interface PendingOrganizationInvitation {
  id: string;
  organizationId: string;
  emailAddress: string;
  roleId: string;
  inviterUserId: string | null;
  redirectUrl: string | null;
  publicMetadata: Metadata;
  privateMetadata: Metadata;
  expiresAt: number;
}

interface PreparedInvitation {
  email: string;
  roleKey: string;
  inviterUserId: string | null;
  publicMetadata: Metadata;
  privateMetadata: Metadata;
  redirectUrl: string | null;
  expiresAt: number;
  notify: boolean;
}

function prepare(input: CreateOrganizationInvitationInput, now: number): PreparedInvitation {
  return {
    email: parseEmailAddress(input.emailAddress),
    roleKey: input.role,
    inviterUserId: input.inviterUserId || null,
    publicMetadata: assertValidMetadata(input.publicMetadata ?? {}, 'public_metadata'),
    privateMetadata: assertValidMetadata(input.privateMetadata ?? {}, 'private_metadata'),
    redirectUrl: parseRedirectUrl(input.redirectUrl),
    expiresAt: expiresAtFor(now, input.expiresInDays),
    notify: input.notify !== false,
  };
}

/**
 * Clerk requires an admin inviter on its Frontend API. The Backend API is already trusted, so
 * the inviter is optional attribution there: it must exist, but need not be a member.
 */
async function assertUsersExist(db: Executor, userIds: readonly (string | null)[], paramName: string): Promise<void> {
  const wanted = [...new Set(userIds.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return;
  const found = await findExistingUserIds(db, wanted);
  if (found.length !== wanted.length) {
    throw paramError('form_param_value_invalid', paramName, `${paramName} must be the id of an existing user.`);
  }
}

/** Each invitation with the id of its role (legacy keys accepted); an unknown key is a 422 naming `role`. */
async function withRoleIds(db: Executor, prepared: readonly PreparedInvitation[]): Promise<(PreparedInvitation & { roleId: string })[]> {
  const cache = new Map<string, string>();
  const out: (PreparedInvitation & { roleId: string })[] = [];
  for (const p of prepared) {
    const roleId = cache.get(p.roleKey) ?? (await findRoleByKey(db, p.roleKey)).id;
    cache.set(p.roleKey, roleId);
    out.push({ ...p, roleId });
  }
  return out;
}

async function assertNotMembers(db: Executor, organizationId: string, emails: readonly string[]): Promise<void> {
  if (await anyAddressIsMember(db, organizationId, emails)) throw new GatehouseError('already_a_member_in_organization', { meta: { param_name: 'email_address' } });
}

/**
 * Refuses an address with a pending, unexpired invitation (`duplicate_record`). The partial unique
 * index covers stored `pending` rows only, so pending rows past their expiry are first stored as
 * `expired`, letting a new invitation in. Their reading does not change (they already read as
 * expired), hence `updated_at` is left alone.
 */
async function assertNoLivePendingInvitation(db: Executor, organizationId: string, emails: readonly string[], now: number): Promise<void> {
  if (await hasLivePendingOrganizationInvitation(db, organizationId, emails, now)) throw duplicatePendingInvitation();
}

async function toInvitations(ctx: Pick<DomainContext, 'publicUrl'>, db: Executor, rows: readonly InvitationRow[], now: number, urls: ReadonlyMap<string, string> = new Map()): Promise<OrganizationInvitation[]> {
  const [roles, inviters] = await Promise.all([
    loadRoleRefs(db, rows.map((r) => r.role_id)),
    loadPublicUserData(ctx, db, rows.flatMap((r) => (r.inviter_user_id === null ? [] : [r.inviter_user_id]))),
  ]);
  return rows.map((row) => {
    const role = roles.get(row.role_id);
    return {
      id: row.id,
      organizationId: row.organization_id,
      emailAddress: row.email_address,
      role: { key: role?.key ?? '', name: role?.name ?? '' },
      inviter: row.inviter_user_id === null ? null : (inviters.get(row.inviter_user_id) ?? null),
      status: readStatus(row.status, row.expires_at, now),
      url: urls.get(row.id) ?? null,
      publicMetadata: parseStoredMetadata(row.public_metadata),
      privateMetadata: parseStoredMetadata(row.private_metadata),
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  });
}

/**
 * One `organizationInvitation.*` event per invitation, in the caller's transaction. The payloads
 * are built without accept links (`url` stays null), so no ticket ever reaches the log.
 */
async function recordInvitationEvents(
  ctx: Pick<DomainContext, 'publicUrl'>,
  db: Executor,
  type: 'organizationInvitation.created' | 'organizationInvitation.revoked',
  rows: readonly InvitationRow[],
  now: number,
): Promise<void> {
  for (const invitation of await toInvitations(ctx, db, rows, now)) {
    await appendEvent(db, { type, data: eventData(type, invitation), subjectOrganizationId: invitation.organizationId }, now);
  }
}

/**
 * Creates every invitation or none, in one transaction under the organization's lock, so seat
 * counting and the one-pending-invitation-per-address rule hold under concurrent requests. Each
 * reply carries its accept link once; only the ticket's hash is stored.
 */
export async function createOrganizationInvitations(
  ctx: DomainContext,
  organizationId: string,
  inputs: readonly CreateOrganizationInvitationInput[],
): Promise<OrganizationInvitation[]> {
  const now = ctx.now();
  const prepared = inputs.map((input) => prepare(input, now));
  const emails = prepared.map((p) => p.email);
  assertDistinctAddresses(emails);
  const urls = new Map<string, string>();

  const rows = await withPendingInvitationConflicts(() =>
    ctx.store.transaction(async (trx) => {
      const found = await requireOrganizationRow(trx, organizationId);
      const org = await lockOrganizationRow(trx, ctx.store.dialect, found.id);
      const withRoles = await withRoleIds(trx, prepared);
      await assertUsersExist(trx, prepared.map((p) => p.inviterUserId), 'inviter_user_id');
      await assertNotMembers(trx, org.id, emails);
      await assertNoLivePendingInvitation(trx, org.id, emails, now);
      await assertSeatsAvailable(trx, org, now, prepared.length);
      const values: InvitationRow[] = withRoles.map((p) => {
        const { ticket, ticketHash } = issueTicket();
        const id = newId('orginv', now);
        urls.set(id, ticketAcceptUrl(ctx, ticket));
        return {
          id,
          organization_id: org.id,
          email_address: p.email,
          role_id: p.roleId,
          inviter_user_id: p.inviterUserId,
          status: 'pending',
          ticket_hash: ticketHash,
          redirect_url: p.redirectUrl,
          public_metadata: JSON.stringify(p.publicMetadata),
          private_metadata: JSON.stringify(p.privateMetadata),
          expires_at: p.expiresAt,
          created_at: now,
          updated_at: now,
        };
      });
      await insertOrganizationInvitations(trx, values);
      await recordInvitationEvents(ctx, trx, 'organizationInvitation.created', values, now);
      for (const [i, row] of values.entries()) {
        if (prepared[i]?.notify) await queueInvitationEmail(ctx, trx, { to: row.email_address, url: urls.get(row.id) ?? '', organizationName: org.name }, now);
      }
      return values;
    }),
  );
  return toInvitations(ctx, ctx.store.db, rows, now, urls);
}

export async function createOrganizationInvitation(
  ctx: DomainContext,
  organizationId: string,
  input: CreateOrganizationInvitationInput,
): Promise<OrganizationInvitation> {
  const [invitation] = await createOrganizationInvitations(ctx, organizationId, [input]);
  if (!invitation) throw new Error('creating one invitation must yield one');
  return invitation;
}

export async function listOrganizationInvitations(ctx: DomainContext, organizationId: string, query: OrganizationInvitationListQuery): Promise<Page<OrganizationInvitation>> {
  const db = ctx.store.db;
  const now = ctx.now();
  const org = await requireOrganizationRow(db, organizationId);
  const statuses = query.statuses ?? [];
  const emails = (query.emailAddresses ?? []).map(normalizeEmail);
  const { rows, total } = await listOrganizationInvitationRows(db, { organizationId: org.id, emailAddresses: emails, statuses, orderBy: query.orderBy, limit: query.limit, offset: query.offset, now });
  return { items: await toInvitations(ctx, db, rows, now), totalCount: total };
}

/** Scoped to the organization in the path: another organization's invitation is not found. */
export async function getOrganizationInvitation(ctx: DomainContext, organizationId: string, invitationId: string): Promise<OrganizationInvitation> {
  const db = ctx.store.db;
  const org = await requireOrganizationRow(db, organizationId);
  const row = await findOrganizationInvitationRow(db, org.id, invitationId);
  if (!row) throw notFound();
  const [invitation] = await toInvitations(ctx, db, [row], ctx.now());
  if (!invitation) throw notFound();
  return invitation;
}

/**
 * Only a pending, unexpired invitation can be revoked; revoking kills its ticket, since tickets
 * are honoured only while their invitation is pending. The update re-checks the status, so of two
 * concurrent revokes exactly one succeeds and the other reports `invitation_not_pending`.
 */
export async function revokeOrganizationInvitation(
  ctx: DomainContext,
  organizationId: string,
  invitationId: string,
  requestingUserId?: string | null,
): Promise<OrganizationInvitation> {
  const now = ctx.now();
  const row = await ctx.store.transaction(async (trx) => {
    const org = await requireOrganizationRow(trx, organizationId);
    await assertUsersExist(trx, [requestingUserId || null], 'requesting_user_id');
    const current = await findOrganizationInvitationRow(trx, org.id, invitationId);
    if (!current) throw notFound();
    const status = readStatus(current.status, current.expires_at, now);
    if (status !== 'pending') throw invitationNotPending(status);
    await markInvitationRevoked(trx, 'organization_invitations', current.id, now);
    const revoked = { ...current, status: 'revoked' as const, updated_at: now };
    await recordInvitationEvents(ctx, trx, 'organizationInvitation.revoked', [revoked], now);
    return revoked;
  });
  const [invitation] = await toInvitations(ctx, ctx.store.db, [row], now);
  if (!invitation) throw notFound();
  return invitation;
}

/** Revokes pending invitations of the organization in the caller's transaction, each with its event. */
export async function revokeOrganizationInvitationsIn(ctx: DomainContext, trx: Executor, organizationId: string, invitationIds: readonly string[], now: number): Promise<void> {
  for (const id of invitationIds) {
    const current = await findOrganizationInvitationRow(trx, organizationId, id);
    if (!current || readStatus(current.status, current.expires_at, now) !== 'pending') continue;
    await markInvitationRevoked(trx, 'organization_invitations', current.id, now);
    await recordInvitationEvents(ctx, trx, 'organizationInvitation.revoked', [{ ...current, status: 'revoked', updated_at: now }], now);
  }
}

function publicOrganizationData(ctx: DomainContext, card: { id: string; name: string; slug: string; image_id: string | null }): PublicOrganizationData {
  return { id: card.id, name: card.name, slug: card.slug, imageUrl: card.image_id ? imageUrlFor(ctx, card.image_id) : null };
}

/**
 * Redeems an organization invitation for `userId`, whose verified email address is the invited
 * one, in the caller's transaction: the invitation is consumed (guarded on still being pending
 * and unexpired, so a ticket works once) and the user joins with the invited role and metadata,
 * within the seat limit, unless already a member. Returns the organization's id.
 */
export async function acceptOrganizationInvitationIn(ctx: DomainContext, trx: Executor, invitationId: string, userId: string, now: number): Promise<string> {
  const current = await findOrganizationInvitationRowById(trx, invitationId);
  if (!current) throw ticketInvalid();
  const org = await lockOrganizationRow(trx, ctx.store.dialect, current.organization_id);
  if (!(await acceptPendingInvitationRow(trx, 'organization_invitations', current.id, now))) throw ticketInvalid();
  if (!(await findMembershipRow(trx, org.id, userId))) {
    const metadata = { publicMetadata: parseStoredMetadata(current.public_metadata), privateMetadata: parseStoredMetadata(current.private_metadata) };
    await addMembershipIn(ctx, trx, org, { id: newId('orgmem', now), userId, roleId: current.role_id, ...metadata }, now);
  }
  const [invitation] = await toInvitations(ctx, trx, [{ ...current, status: 'accepted', updated_at: now }], now);
  if (invitation) {
    const accepted = { invitation: { ...invitation, publicOrganizationData: publicOrganizationData(ctx, org) }, userId };
    await appendEvent(trx, { type: 'organizationInvitation.accepted', data: eventData('organizationInvitation.accepted', accepted), subjectOrganizationId: org.id, subjectUserId: userId }, now);
  }
  return org.id;
}

/**
 * Invitations addressed to any of the user's verified email addresses, newest first. Unverified
 * addresses are left out: R38 binds an invitation to an address its holder has proven.
 */
export async function listUserOrganizationInvitations(
  ctx: DomainContext,
  userId: string,
  query: UserOrganizationInvitationListQuery,
): Promise<Page<OrganizationInvitationWithOrganization>> {
  const db = ctx.store.db;
  const now = ctx.now();
  if (!(await readUserIdentity(db, userId))) throw notFound();
  const addresses = await listVerifiedEmailAddresses(db, userId);
  if (addresses.length === 0) return { items: [], totalCount: 0 };
  const { rows, total } = await listOrganizationInvitationRows(db, {
    emailAddresses: addresses,
    statuses: query.statuses ?? [],
    orderBy: { field: 'created_at', direction: 'desc' },
    limit: query.limit,
    offset: query.offset,
    now,
  });
  const [invitations, orgs] = await Promise.all([toInvitations(ctx, db, rows, now), listOrganizationCards(db, rows.map((r) => r.organization_id))]);
  const byId = new Map(orgs.map((o) => [o.id, publicOrganizationData(ctx, o)]));
  const data = invitations.flatMap((invitation) => {
    const organization = byId.get(invitation.organizationId);
    return organization ? [{ ...invitation, publicOrganizationData: organization }] : [];
  });
  return { items: data, totalCount: total };
}

/**
 * The pending, unexpired invitation a presented ticket belongs to, found by the ticket's hash.
 * Redeeming it must still consume it atomically (an update guarded on `status = 'pending'`) and
 * check that the redeemer's verified email equals `emailAddress` (R38).
 */
export async function findPendingOrganizationInvitationByTicket(
  db: Executor,
  ticket: string,
  now: number,
): Promise<PendingOrganizationInvitation | undefined> {
  const hash = ticketLookupHash(ticket);
  if (hash === undefined) return undefined;
  const row = await findPendingOrganizationInvitationRowByTicketHash(db, hash, now);
  if (!row) return undefined;
  return {
    id: row.id,
    organizationId: row.organization_id,
    emailAddress: row.email_address,
    roleId: row.role_id,
    inviterUserId: row.inviter_user_id,
    redirectUrl: row.redirect_url,
    publicMetadata: parseStoredMetadata(row.public_metadata),
    privateMetadata: parseStoredMetadata(row.private_metadata),
    expiresAt: row.expires_at,
  };
}

/**
 * The signed-in user accepts an invitation addressed to one of their verified email addresses and
 * joins with the invited role. An invitation to anyone else is not found, so ids cannot be probed.
 */
export async function acceptOwnOrganizationInvitation(ctx: DomainContext, userId: string, invitationId: string): Promise<OrganizationInvitationWithOrganization> {
  return settleOwnInvitation(ctx, userId, invitationId, async (trx, row, now) => {
    try {
      await acceptOrganizationInvitationIn(ctx, trx, row.id, userId, now);
    } catch (error) {
      // Settled by a concurrent request since it was read: say how it stands, as a later request would be told.
      if (!(error instanceof GatehouseError && error.code === 'ticket_invalid')) throw error;
      const fresh = await findOrganizationInvitationRowById(trx, row.id);
      throw invitationNotPending(fresh ? readStatus(fresh.status, fresh.expires_at, now) : 'revoked');
    }
    return { ...row, status: 'accepted' as const, updated_at: now };
  });
}

/**
 * The signed-in user turns down an invitation addressed to them (a Gatehouse extension: Clerk's
 * Frontend API has none): it is revoked, so its ticket stops working, as if the inviter had.
 */
export async function declineOwnOrganizationInvitation(ctx: DomainContext, userId: string, invitationId: string): Promise<OrganizationInvitationWithOrganization> {
  return settleOwnInvitation(ctx, userId, invitationId, async (trx, row, now) => {
    await markInvitationRevoked(trx, 'organization_invitations', row.id, now);
    const revoked = { ...row, status: 'revoked' as const, updated_at: now };
    await recordInvitationEvents(ctx, trx, 'organizationInvitation.revoked', [revoked], now);
    return revoked;
  });
}

/** Settles a pending invitation addressed to one of the user's verified addresses; anyone else's is not found, so ids cannot be probed. */
async function settleOwnInvitation(
  ctx: DomainContext,
  userId: string,
  invitationId: string,
  settle: (trx: Executor, row: InvitationRow, now: number) => Promise<InvitationRow>,
): Promise<OrganizationInvitationWithOrganization> {
  const now = ctx.now();
  const settled = await ctx.store.transaction(async (trx) => {
    const row = await findOrganizationInvitationRowById(trx, invitationId);
    if (!row || !(await listVerifiedEmailAddresses(trx, userId)).includes(row.email_address)) throw notFound();
    const status = readStatus(row.status, row.expires_at, now);
    if (status !== 'pending') throw invitationNotPending(status);
    return settle(trx, row, now);
  });
  const [[invitation], [card]] = await Promise.all([toInvitations(ctx, ctx.store.db, [settled], now), listOrganizationCards(ctx.store.db, [settled.organization_id])]);
  if (!invitation || !card) throw notFound();
  return { ...invitation, publicOrganizationData: publicOrganizationData(ctx, card) };
}
