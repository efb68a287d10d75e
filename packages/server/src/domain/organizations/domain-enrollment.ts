import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound } from '../../errors.js';
import {
  acceptSuggestionRow,
  addressesEverInvited,
  answerMembershipRequestRow,
  findMembershipRequestRow,
  findSuggestionRow,
  insertMembershipRequest,
  insertSuggestionsIfMissing,
  listMembershipRequestRows,
  listSuggestionRows,
  listVerifiedDomainsNamed,
  type MembershipRequestRow,
  type OrganizationSuggestionRow,
} from '../../store/repositories/domain-repository.js';
import { findMembershipRow } from '../../store/repositories/membership-repository.js';
import { listOrganizationCards, lockOrganizationRow, requireOrganizationRow } from '../../store/repositories/organization-repository.js';
import { listVerifiedEmailAddresses } from '../../store/repositories/user-repository.js';
import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import type { Page } from '../page.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import { addMembershipIn } from './memberships.js';
import {
  createOrganizationInvitations,
  listUserOrganizationInvitations,
  type OrganizationInvitationWithOrganization,
  type PublicOrganizationData,
  type UserOrganizationInvitationListQuery,
} from './organization-invitations.js';
import { loadPublicUserData } from './public-user-data.js';
import { findRoleByKey } from './role-keys.js';
import { imageUrlFor } from '../images.js';
import type { PublicUserData } from './types.js';

/**
 * What an organization's verified domains do for people with a verified address there: in
 * `automatic_suggestion` mode the organization is suggested to them, and accepting the suggestion
 * asks to join (a membership request an admin accepts or rejects); in `automatic_invitation` mode
 * they are invited, with the instance's default role for domains. Both are worked out when the
 * person looks, from their verified addresses at that moment, so an address verified or a domain
 * verified since is taken into account without any background job.
 */

export interface OrganizationSuggestion {
  id: string;
  status: 'pending' | 'accepted';
  publicOrganizationData: PublicOrganizationData;
  createdAt: number;
  updatedAt: number;
}

export interface MembershipRequest {
  id: string;
  organizationId: string;
  status: 'pending' | 'accepted' | 'rejected';
  publicUserData: PublicUserData | null;
  createdAt: number;
  updatedAt: number;
}

/** The domains of the person's verified addresses, with those addresses. */
async function verifiedAddressDomains(ctx: DomainContext, userId: string): Promise<Map<string, string[]>> {
  const byDomain = new Map<string, string[]>();
  for (const address of await listVerifiedEmailAddresses(ctx.store.db, userId)) {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    byDomain.set(domain, [...(byDomain.get(domain) ?? []), address]);
  }
  return byDomain;
}

async function domainsEnabled(ctx: DomainContext): Promise<boolean> {
  return (await readInstanceSettings(ctx)).organization_domains.enabled;
}

/** Suggests, once, each organization whose verified domain (in suggestion mode) one of the person's addresses is at. */
async function makeSuggestions(ctx: DomainContext, userId: string): Promise<void> {
  if (!(await domainsEnabled(ctx))) return;
  const addresses = await verifiedAddressDomains(ctx, userId);
  const domains = await listVerifiedDomainsNamed(ctx.store.db, [...addresses.keys()], 'automatic_suggestion');
  const now = ctx.now();
  const rows: OrganizationSuggestionRow[] = [];
  for (const organizationId of new Set(domains.map((d) => d.organization_id))) {
    if (await findMembershipRow(ctx.store.db, organizationId, userId)) continue;
    rows.push({ id: newId('orgsugg', now), organization_id: organizationId, user_id: userId, status: 'pending', created_at: now, updated_at: now });
  }
  await insertSuggestionsIfMissing(ctx.store.db, rows);
}

function cardData(ctx: DomainContext, card: { id: string; name: string; slug: string; image_id: string | null }): PublicOrganizationData {
  return { id: card.id, name: card.name, slug: card.slug, imageUrl: card.image_id ? imageUrlFor(ctx, card.image_id) : null };
}

async function toSuggestions(ctx: DomainContext, rows: readonly OrganizationSuggestionRow[]): Promise<OrganizationSuggestion[]> {
  const cards = new Map((await listOrganizationCards(ctx.store.db, rows.map((r) => r.organization_id))).map((c) => [c.id, cardData(ctx, c)]));
  return rows.flatMap((row) => {
    const org = cards.get(row.organization_id);
    return org ? [{ id: row.id, status: row.status, publicOrganizationData: org, createdAt: row.created_at, updatedAt: row.updated_at }] : [];
  });
}

export async function listOwnSuggestions(
  ctx: DomainContext,
  userId: string,
  q: { statuses: readonly OrganizationSuggestionRow['status'][]; limit: number; offset: number },
): Promise<Page<OrganizationSuggestion>> {
  await makeSuggestions(ctx, userId);
  const { rows, total } = await listSuggestionRows(ctx.store.db, userId, q.statuses, q);
  return { items: await toSuggestions(ctx, rows), totalCount: total };
}

/** Accepting a suggestion asks the organization to let the person in: a pending membership request. */
export async function acceptOwnSuggestion(ctx: DomainContext, userId: string, suggestionId: string): Promise<OrganizationSuggestion> {
  const now = ctx.now();
  const row = await ctx.store.transaction(async (trx) => {
    const suggestion = await findSuggestionRow(trx, userId, suggestionId);
    if (!suggestion) throw notFound();
    if (!(await acceptSuggestionRow(trx, suggestion.id, now))) throw new GatehouseError('invitation_not_pending', { meta: { status: suggestion.status } });
    if (!(await findMembershipRow(trx, suggestion.organization_id, userId))) {
      const request: MembershipRequestRow = { id: newId('orgmemreq', now), organization_id: suggestion.organization_id, user_id: userId, status: 'pending', created_at: now, updated_at: now };
      await insertMembershipRequest(trx, request);
      await recordRequestEvent(ctx, trx, 'organizationMembershipRequest.created', request);
    }
    return { ...suggestion, status: 'accepted' as const, updated_at: now };
  });
  const [suggestion] = await toSuggestions(ctx, [row]);
  if (!suggestion) throw notFound();
  return suggestion;
}

/**
 * Invites the person to each organization whose verified domain (in invitation mode) one of their
 * addresses is at, unless they belong already or that address was ever invited there (an
 * invitation revoked or declined is not made again). Nothing is mailed: they find it where they
 * look, and it carries no ticket anyone could use.
 */
export async function makeDomainInvitations(ctx: DomainContext, userId: string): Promise<void> {
  const settings = await readInstanceSettings(ctx);
  if (!settings.organization_domains.enabled) return;
  const addresses = await verifiedAddressDomains(ctx, userId);
  const domains = await listVerifiedDomainsNamed(ctx.store.db, [...addresses.keys()], 'automatic_invitation');
  for (const domain of domains) {
    if (await findMembershipRow(ctx.store.db, domain.organization_id, userId)) continue;
    const emails = addresses.get(domain.name) ?? [];
    const invited = await addressesEverInvited(ctx.store.db, domain.organization_id, emails);
    const email = emails.find((e) => !invited.has(e));
    if (!email) continue;
    try {
      await createOrganizationInvitations(ctx, domain.organization_id, [{ emailAddress: email, role: settings.organization_domains.default_role, notify: false }]);
    } catch (error) {
      // A concurrent look made the same invitation, the organization is full, or the default role
      // has been deleted since it was set: nothing to add, and the person's list still answers.
      if (error instanceof GatehouseError && ['duplicate_record', 'organization_membership_quota_exceeded', 'already_a_member_in_organization', 'form_param_value_invalid'].includes(error.code)) continue;
      throw error;
    }
  }
}

async function toRequests(ctx: DomainContext, rows: readonly MembershipRequestRow[], db: Executor = ctx.store.db): Promise<MembershipRequest[]> {
  const users = await loadPublicUserData(ctx, db, rows.map((r) => r.user_id));
  return rows.map((row) => ({
    id: row.id,
    organizationId: row.organization_id,
    status: row.status,
    publicUserData: users.get(row.user_id) ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

type RequestEventType = 'organizationMembershipRequest.created' | 'organizationMembershipRequest.accepted' | 'organizationMembershipRequest.rejected';

async function recordRequestEvent(ctx: DomainContext, trx: Executor, type: RequestEventType, row: MembershipRequestRow): Promise<void> {
  const [request] = await toRequests(ctx, [row], trx);
  if (!request) return;
  await appendEvent(trx, { type, data: eventData(type, request), subjectOrganizationId: row.organization_id, subjectUserId: row.user_id }, ctx.now());
}

export async function listMembershipRequests(
  ctx: DomainContext,
  organizationId: string,
  q: { statuses: readonly MembershipRequestRow['status'][]; limit: number; offset: number },
): Promise<Page<MembershipRequest>> {
  const org = await requireOrganizationRow(ctx.store.db, organizationId);
  const { rows, total } = await listMembershipRequestRows(ctx.store.db, org.id, q.statuses, q);
  return { items: await toRequests(ctx, rows), totalCount: total };
}

/** Accepting lets the person in with the default role for domains, within the seat limit; rejecting closes the request. */
export async function answerMembershipRequest(ctx: DomainContext, organizationId: string, requestId: string, answer: 'accepted' | 'rejected'): Promise<MembershipRequest> {
  const settings = await readInstanceSettings(ctx);
  const now = ctx.now();
  const row = await ctx.store.transaction(async (trx) => {
    const org = await lockOrganizationRow(trx, ctx.store.dialect, (await requireOrganizationRow(trx, organizationId)).id);
    const request = await findMembershipRequestRow(trx, org.id, requestId);
    if (!request) throw notFound();
    if (!(await answerMembershipRequestRow(trx, request.id, answer, now))) throw new GatehouseError('invitation_not_pending', { meta: { status: request.status } });
    if (answer === 'accepted' && !(await findMembershipRow(trx, org.id, request.user_id))) {
      const role = await findRoleByKey(trx, settings.organization_domains.default_role);
      await addMembershipIn(ctx, trx, org, { id: newId('orgmem', now), userId: request.user_id, roleId: role.id, publicMetadata: {}, privateMetadata: {} }, now);
    }
    const answered = { ...request, status: answer, updated_at: now };
    await recordRequestEvent(ctx, trx, answer === 'accepted' ? 'organizationMembershipRequest.accepted' : 'organizationMembershipRequest.rejected', answered);
    return answered;
  });
  const [request] = await toRequests(ctx, [row]);
  if (!request) throw notFound();
  return request;
}

/** The invitations addressed to the person, their domains' automatic ones included. */
export async function listOwnOrganizationInvitations(
  ctx: DomainContext,
  userId: string,
  q: UserOrganizationInvitationListQuery,
): Promise<Page<OrganizationInvitationWithOrganization>> {
  await makeDomainInvitations(ctx, userId);
  return listUserOrganizationInvitations(ctx, userId, q);
}
