import type { Invitation } from '../domain/organizations/types.js';

/** Clerk's instance `Invitation`; `url` carries the ticket and appears only on the create reply. */
export function serializeInvitation(invitation: Invitation) {
  return {
    object: 'invitation',
    id: invitation.id,
    email_address: invitation.emailAddress,
    public_metadata: invitation.publicMetadata,
    revoked: invitation.status === 'revoked',
    status: invitation.status,
    ...(invitation.url !== null ? { url: invitation.url } : {}),
    expires_at: invitation.expiresAt,
    created_at: invitation.createdAt,
    updated_at: invitation.updatedAt,
  };
}
