import type {
  Organization,
  OrganizationInvitation,
  OrganizationMembership,
  Permission,
  PublicUserData,
  Role,
} from '../domain/organizations/types.js';
import type { AcceptedOrganizationInvitation, OrganizationInvitationWithOrganization } from '../domain/organizations/organization-invitations.js';

/** Clerk's JSON shapes for organizations and everything hanging off them. */

export function serializeOrganization(org: Organization) {
  return {
    object: 'organization',
    id: org.id,
    name: org.name,
    slug: org.slug,
    image_url: org.imageUrl ?? '',
    has_image: org.imageUrl !== null,
    max_allowed_memberships: org.maxAllowedMemberships,
    admin_delete_enabled: org.adminDeleteEnabled,
    public_metadata: org.publicMetadata,
    private_metadata: org.privateMetadata,
    ...(org.createdBy !== null ? { created_by: org.createdBy } : {}),
    ...(org.membersCount !== undefined ? { members_count: org.membersCount } : {}),
    ...(org.pendingInvitationsCount !== undefined ? { pending_invitations_count: org.pendingInvitationsCount } : {}),
    created_at: org.createdAt,
    updated_at: org.updatedAt,
  };
}

export function serializePublicUserData(user: PublicUserData) {
  return {
    user_id: user.userId,
    first_name: user.firstName,
    last_name: user.lastName,
    profile_image_url: user.imageUrl,
    image_url: user.imageUrl,
    has_image: user.hasImage,
    identifier: user.identifier,
    username: user.username,
    banned: user.banned,
  };
}

/** A user's public data as others see it outside the Backend API (the browser, a membership request): no ban state. */
export function serializeSharedPublicUserData(user: PublicUserData) {
  return {
    user_id: user.userId,
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: user.imageUrl,
    has_image: user.hasImage,
    identifier: user.identifier ?? '',
    username: user.username,
  };
}

export function serializeMembership(membership: OrganizationMembership) {
  return {
    object: 'organization_membership',
    id: membership.id,
    role: membership.role.key,
    role_name: membership.role.name,
    permissions: membership.role.permissions,
    public_metadata: membership.publicMetadata,
    private_metadata: membership.privateMetadata,
    organization: serializeOrganization(membership.organization),
    public_user_data: serializePublicUserData(membership.publicUserData),
    created_at: membership.createdAt,
    updated_at: membership.updatedAt,
  };
}

export function serializePermission(permission: Permission) {
  return {
    object: 'permission',
    id: permission.id,
    name: permission.name,
    key: permission.key,
    description: permission.description,
    type: permission.type,
    created_at: permission.createdAt,
    updated_at: permission.updatedAt,
  };
}

export function serializeRole(role: Role) {
  return {
    object: 'role',
    id: role.id,
    name: role.name,
    key: role.key,
    description: role.description,
    is_creator_eligible: role.isCreatorEligible,
    permissions: role.permissions.map(serializePermission),
    created_at: role.createdAt,
    updated_at: role.updatedAt,
  };
}

export function serializeOrganizationInvitation(invitation: OrganizationInvitation) {
  const inviter = invitation.inviter;
  return {
    object: 'organization_invitation',
    id: invitation.id,
    email_address: invitation.emailAddress,
    role: invitation.role.key,
    role_name: invitation.role.name,
    organization_id: invitation.organizationId,
    inviter_id: inviter?.userId ?? null,
    // Required, but its schema (OrganizationInvitationPublicUserData) is itself `nullable: true`:
    // with no inviter (none given, or since deleted) null is valid, where a made-up user would mislead.
    public_inviter_data: inviter
      ? {
          user_id: inviter.userId,
          first_name: inviter.firstName,
          last_name: inviter.lastName,
          image_url: inviter.imageUrl,
          has_image: inviter.hasImage,
          identifier: inviter.identifier ?? '',
        }
      : null,
    status: invitation.status,
    public_metadata: invitation.publicMetadata,
    private_metadata: invitation.privateMetadata,
    url: invitation.url,
    expires_at: invitation.expiresAt,
    created_at: invitation.createdAt,
    updated_at: invitation.updatedAt,
  };
}

/** The shape `GET /users/{id}/organization_invitations` returns: the invitation plus where it leads. */
/** Clerk's `organizationInvitation.accepted` payload: the invitation, who accepted it, and its organization under `data`. */
export function serializeAcceptedOrganizationInvitation({ invitation, userId }: AcceptedOrganizationInvitation) {
  const { public_organization_data, ...rest } = serializeOrganizationInvitationWithPublicOrganizationData(invitation);
  return { ...rest, user_id: userId, data: { public_organization_data } };
}

export function serializeOrganizationInvitationWithPublicOrganizationData(invitation: OrganizationInvitationWithOrganization) {
  const org = invitation.publicOrganizationData;
  return {
    ...serializeOrganizationInvitation(invitation),
    public_organization_data: {
      id: org.id,
      name: org.name,
      slug: org.slug,
      image_url: org.imageUrl ?? '',
      has_image: org.imageUrl !== null,
    },
  };
}
