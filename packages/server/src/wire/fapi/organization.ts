import type { MembershipRequest, OrganizationSuggestion } from '../../domain/organizations/domain-enrollment.js';
import type { OrganizationInvitationWithOrganization, PublicOrganizationData } from '../../domain/organizations/organization-invitations.js';
import type { Organization, OrganizationInvitation, OrganizationMembership, Role } from '../../domain/organizations/types.js';
import type { Page } from '../../domain/page.js';
import { serializeMembershipRequest } from '../membership-request.js';
import { serializeOrganization, serializeOrganizationInvitation, serializeRole, serializeSharedPublicUserData } from '../organization.js';

/**
 * Organizations as the browser sees them (`Client.Organization` and its satellites in the FAPI
 * spec): never private metadata, and never an invitation's accept link, which would let an
 * inviter redeem the ticket as the invitee.
 */

export function serializeFapiOrganization(org: Organization) {
  const { private_metadata: _private, created_by: _creator, ...visible } = serializeOrganization(org);
  return visible;
}

export function serializeFapiMembership(membership: OrganizationMembership) {
  return {
    object: 'organization_membership',
    id: membership.id,
    public_metadata: membership.publicMetadata,
    role: membership.role.key,
    role_name: membership.role.name,
    permissions: membership.role.permissions,
    organization: serializeFapiOrganization(membership.organization),
    public_user_data: serializeSharedPublicUserData(membership.publicUserData),
    created_at: membership.createdAt,
    updated_at: membership.updatedAt,
  };
}

export function serializeFapiOrganizationInvitation(invitation: OrganizationInvitation) {
  const { private_metadata: _private, inviter_id: _inviter, public_inviter_data: _inviterData, ...visible } = serializeOrganizationInvitation(invitation);
  return { ...visible, url: null };
}

function publicOrganizationData(org: PublicOrganizationData) {
  return { id: org.id, name: org.name, slug: org.slug, image_url: org.imageUrl ?? '', has_image: org.imageUrl !== null };
}

/** An invitation as its invitee sees it, with what they may know of the organization. */
export function serializeFapiUserInvitation(invitation: OrganizationInvitationWithOrganization) {
  return { ...serializeFapiOrganizationInvitation(invitation), public_organization_data: publicOrganizationData(invitation.publicOrganizationData) };
}

export function serializeFapiSuggestion(suggestion: OrganizationSuggestion) {
  return {
    object: 'organization_suggestion',
    id: suggestion.id,
    status: suggestion.status,
    public_organization_data: publicOrganizationData(suggestion.publicOrganizationData),
    created_at: suggestion.createdAt,
    updated_at: suggestion.updatedAt,
  };
}

/** The same shape as the event's: nothing private is in a membership request. */
export const serializeFapiMembershipRequest = (request: MembershipRequest) => serializeMembershipRequest(request);

/** `Client.Role` requires a description: none is the empty text. */
export function serializeFapiRole(role: Role) {
  return { ...serializeRole(role), description: role.description ?? '' };
}

/** A list reply: `{data, total_count}` when clerk-js asks for pages (`paginated=true`), else the bare array. */
export function fapiList<T, S>(page: Page<T>, paginated: boolean, serialize: (item: T) => S): S[] | { data: S[]; total_count: number } {
  const data = page.items.map(serialize);
  return paginated ? { data, total_count: page.totalCount } : data;
}
