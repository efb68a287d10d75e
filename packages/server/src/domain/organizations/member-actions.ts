import { GatehouseError, paramError } from '../../errors.js';
import type { DomainEnrollmentMode } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import type { DeletedObject } from '../deleted-object.js';
import type { Page } from '../page.js';
import { readInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { getUser } from '../users/get-user.js';
import type { UserListQuery } from '../users/list-users.js';
import { answerMembershipRequest, listMembershipRequests, type MembershipRequest } from './domain-enrollment.js';
import {
  attemptDomainAffiliation,
  createOrganizationDomain,
  deleteOrganizationDomain,
  getOrganizationDomain,
  listOrganizationDomains,
  prepareDomainAffiliation,
  updateOrganizationDomain,
  type DomainListQuery,
  type DomainVerifier,
  type OrganizationDomain,
} from './domains.js';
import { deleteOrganizationLogo, setOrganizationLogo } from './logos.js';
import { SYSTEM_PERMISSIONS, requireOrganizationMember } from './member-access.js';
import { createMembership, deleteMembership, listOrganizationMemberships, updateMembershipRole, type MembershipPage } from './memberships.js';
import {
  createOrganizationInvitations,
  listOrganizationInvitations,
  revokeOrganizationInvitation,
  type OrganizationInvitationListQuery,
} from './organization-invitations.js';
import { createOrganization, deleteOrganization, getOrganization, updateOrganization } from './organizations.js';
import { listRoles } from './roles.js';
import type { Organization, OrganizationInvitation, OrganizationMembership, Role } from './types.js';
import type { CatalogListQuery } from './permissions.js';

/**
 * What a signed-in person does to organizations from the browser. Each action names the acting
 * user, who must be a member of the organization holding the system permission the action needs;
 * the work itself is the same as the Backend API's, so events, locks and rules are shared.
 */

/** Creates an organization with the user as its first admin, as far as the instance and the user's own limits allow. */
export async function createOwnOrganization(ctx: DomainContext, userId: string, input: { name: string; slug?: string | undefined }): Promise<Organization> {
  const [settings, user] = await Promise.all([readInstanceSettings(ctx), getUser(ctx, userId)]);
  if (!settings.organizations_enabled || !user.createOrganizationEnabled) throw new GatehouseError('organization_creation_not_allowed');
  // Clerk reads a limit of 0 as "no limit".
  const limit = user.createOrganizationsLimit ?? 0;
  return createOrganization(ctx, { name: input.name, slug: input.slug ?? null, createdBy: userId, ...(limit > 0 ? { creatorLimit: limit } : {}) });
}

/** Any member sees their organization, with its member and pending-invitation counts. */
export async function getMemberOrganization(ctx: DomainContext, userId: string, organizationId: string): Promise<Organization> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId);
  return getOrganization(ctx, member.organizationId, { membersCount: true, pendingInvitationsCount: true });
}

export async function updateMemberOrganization(ctx: DomainContext, userId: string, organizationId: string, input: { name?: string | undefined; slug?: string | undefined }): Promise<Organization> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageProfile);
  return updateOrganization(ctx, member.organizationId, { name: input.name ?? null, slug: input.slug ?? null });
}

/** Deleting needs the permission, and the organization must allow its admins to delete it. */
export async function deleteMemberOrganization(ctx: DomainContext, userId: string, organizationId: string): Promise<DeletedObject> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.deleteOrganization);
  if (member.organization.admin_delete_enabled !== 1) throw new GatehouseError('not_allowed_access', { longMessage: 'Deleting this organization from the application is turned off.' });
  return deleteOrganization(ctx, member.organizationId);
}

export async function setMemberOrganizationLogo(ctx: DomainContext, userId: string, organizationId: string, bytes: Uint8Array): Promise<Organization> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageProfile);
  return setOrganizationLogo(ctx, member.organizationId, bytes);
}

export async function deleteMemberOrganizationLogo(ctx: DomainContext, userId: string, organizationId: string): Promise<Organization> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageProfile);
  return deleteOrganizationLogo(ctx, member.organizationId);
}

export async function listMemberOrganizationMemberships(
  ctx: DomainContext,
  userId: string,
  organizationId: string,
  filter: { roles?: string[]; users?: UserListQuery },
  page: MembershipPage,
): Promise<Page<OrganizationMembership>> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.readMemberships);
  return listOrganizationMemberships(ctx, member.organizationId, filter, page);
}

export async function addMemberOrganizationMembership(ctx: DomainContext, userId: string, organizationId: string, input: { userId: string; role: string }): Promise<OrganizationMembership> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return createMembership(ctx, member.organizationId, input);
}

export async function changeMemberRole(ctx: DomainContext, userId: string, organizationId: string, memberUserId: string, role: string): Promise<OrganizationMembership> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return updateMembershipRole(ctx, member.organizationId, memberUserId, role);
}

export async function removeMember(ctx: DomainContext, userId: string, organizationId: string, memberUserId: string): Promise<OrganizationMembership> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return deleteMembership(ctx, member.organizationId, memberUserId);
}

/** The user leaves an organization; the last member able to manage it cannot. */
export async function leaveOrganization(ctx: DomainContext, userId: string, organizationId: string): Promise<OrganizationMembership> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId);
  return deleteMembership(ctx, member.organizationId, userId);
}

/** Invitations from a member go out in the member's name, one email each. */
export async function inviteToMemberOrganization(
  ctx: DomainContext,
  userId: string,
  organizationId: string,
  input: { emailAddresses: readonly string[]; role: string; redirectUrl?: string | undefined },
): Promise<OrganizationInvitation[]> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return createOrganizationInvitations(
    ctx,
    member.organizationId,
    input.emailAddresses.map((emailAddress) => ({ emailAddress, role: input.role, inviterUserId: userId, redirectUrl: input.redirectUrl ?? null })),
  );
}

/** Invitations name addresses of people outside the organization, so only managers see them. */
export async function listMemberOrganizationInvitations(ctx: DomainContext, userId: string, organizationId: string, query: OrganizationInvitationListQuery): Promise<Page<OrganizationInvitation>> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return listOrganizationInvitations(ctx, member.organizationId, query);
}

export async function revokeMemberOrganizationInvitation(ctx: DomainContext, userId: string, organizationId: string, invitationId: string): Promise<OrganizationInvitation> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return revokeOrganizationInvitation(ctx, member.organizationId, invitationId, userId);
}

/** The roles a member can be given, for the organization's role pickers. */
export async function listMemberOrganizationRoles(ctx: DomainContext, userId: string, organizationId: string, query: CatalogListQuery): Promise<Page<Role>> {
  await requireOrganizationMember(ctx.store.db, userId, organizationId);
  return listRoles(ctx, query);
}

// ---- verified domains and the membership requests they bring ----

/** Domains are the instance's to allow: adding or verifying one needs the feature on. */
async function requireDomainsEnabled(ctx: DomainContext): Promise<InstanceSettings> {
  const settings = await readInstanceSettings(ctx);
  if (!settings.organization_domains.enabled) throw new GatehouseError('not_allowed_access', { longMessage: 'Organization domains are not enabled on this instance.' });
  return settings;
}

export async function listMemberOrganizationDomains(ctx: DomainContext, userId: string, organizationId: string, q: DomainListQuery): Promise<Page<OrganizationDomain>> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.readDomains);
  return listOrganizationDomains(ctx, member.organizationId, q);
}

export async function getMemberOrganizationDomain(ctx: DomainContext, userId: string, organizationId: string, domainId: string): Promise<OrganizationDomain> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.readDomains);
  return getOrganizationDomain(ctx, member.organizationId, domainId);
}

/** From the browser a domain starts unverified, in manual invitation mode, until an address at it is proven. */
export async function addMemberOrganizationDomain(ctx: DomainContext, userId: string, organizationId: string, name: string): Promise<OrganizationDomain> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageDomains);
  await requireDomainsEnabled(ctx);
  return createOrganizationDomain(ctx, member.organizationId, { name });
}

export async function deleteMemberOrganizationDomain(ctx: DomainContext, userId: string, organizationId: string, domainId: string): Promise<DeletedObject> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageDomains);
  return deleteOrganizationDomain(ctx, member.organizationId, domainId);
}

/** The mode must be one the instance offers. */
export async function setMemberDomainEnrollmentMode(
  ctx: DomainContext,
  userId: string,
  organizationId: string,
  domainId: string,
  mode: DomainEnrollmentMode,
  deletePending: boolean,
): Promise<OrganizationDomain> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageDomains);
  const settings = await requireDomainsEnabled(ctx);
  if (mode !== 'manual_invitation' && !settings.organization_domains.enrollment_modes.includes(mode)) {
    throw paramError('form_param_value_invalid', 'enrollment_mode', `enrollment_mode must be one of ${['manual_invitation', ...settings.organization_domains.enrollment_modes].join(', ')}.`);
  }
  return updateOrganizationDomain(ctx, member.organizationId, domainId, { enrollmentMode: mode, deletePending });
}

export async function prepareMemberDomainAffiliation(ctx: DomainContext, me: DomainVerifier, organizationId: string, domainId: string, address: string): Promise<OrganizationDomain> {
  const member = await requireOrganizationMember(ctx.store.db, me.userId, organizationId, SYSTEM_PERMISSIONS.manageDomains);
  await requireDomainsEnabled(ctx);
  return prepareDomainAffiliation(ctx, me, member.organizationId, domainId, address);
}

export async function attemptMemberDomainAffiliation(ctx: DomainContext, me: DomainVerifier, organizationId: string, domainId: string, code: string): Promise<OrganizationDomain> {
  const member = await requireOrganizationMember(ctx.store.db, me.userId, organizationId, SYSTEM_PERMISSIONS.manageDomains);
  await requireDomainsEnabled(ctx);
  return attemptDomainAffiliation(ctx, me, member.organizationId, domainId, code);
}

export async function listMemberMembershipRequests(
  ctx: DomainContext,
  userId: string,
  organizationId: string,
  q: { statuses: readonly ('pending' | 'accepted' | 'rejected')[]; limit: number; offset: number },
): Promise<Page<MembershipRequest>> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return listMembershipRequests(ctx, member.organizationId, q);
}

export async function answerMemberMembershipRequest(ctx: DomainContext, userId: string, organizationId: string, requestId: string, answer: 'accepted' | 'rejected'): Promise<MembershipRequest> {
  const member = await requireOrganizationMember(ctx.store.db, userId, organizationId, SYSTEM_PERMISSIONS.manageMemberships);
  return answerMembershipRequest(ctx, member.organizationId, requestId, answer);
}
