import type { MembershipRequest } from '../domain/organizations/domain-enrollment.js';
import { serializeSharedPublicUserData } from './organization.js';

/** A request to join an organization (`organization_membership_request`), with the requester's public data only. */
export function serializeMembershipRequest(request: MembershipRequest) {
  return {
    object: 'organization_membership_request',
    id: request.id,
    organization_id: request.organizationId,
    status: request.status,
    public_user_data: request.publicUserData ? serializeSharedPublicUserData(request.publicUserData) : null,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
  };
}
