import type { MembershipRequest } from '../domain/organizations/domain-enrollment.js';

/** A request to join an organization (`organization_membership_request`), with the requester's public data only. */
export function serializeMembershipRequest(request: MembershipRequest) {
  const user = request.publicUserData;
  return {
    object: 'organization_membership_request',
    id: request.id,
    organization_id: request.organizationId,
    status: request.status,
    public_user_data: user
      ? { user_id: user.userId, first_name: user.firstName, last_name: user.lastName, image_url: user.imageUrl, has_image: user.hasImage, identifier: user.identifier ?? '', username: user.username }
      : null,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
  };
}
