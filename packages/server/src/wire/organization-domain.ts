import type { OrganizationDomain, OrganizationDomainVerificationState } from '../domain/organizations/domains.js';

/** Clerk's `OrganizationDomain`, the same on the Backend API, the Frontend API and in webhooks. */

function verification(v: OrganizationDomainVerificationState | null) {
  return v ? { status: v.status, strategy: v.strategy, attempts: v.attempts, expire_at: v.expireAt, verified_at: v.verifiedAt } : null;
}

export function serializeOrganizationDomain(domain: OrganizationDomain) {
  const org = domain.publicOrganizationData;
  return {
    object: 'organization_domain',
    id: domain.id,
    organization_id: domain.organizationId,
    name: domain.name,
    enrollment_mode: domain.enrollmentMode,
    affiliation_email_address: domain.affiliationEmailAddress,
    affiliation_verification: verification(domain.verification),
    // Ownership (a DNS record) is not a way Gatehouse verifies domains.
    ownership_verification: null,
    verification: verification(domain.verification),
    total_pending_invitations: domain.totalPendingInvitations,
    total_pending_suggestions: domain.totalPendingSuggestions,
    public_organization_data: org ? { id: org.id, name: org.name, slug: org.slug, image_url: org.imageUrl ?? '', has_image: org.imageUrl !== null } : null,
    created_at: domain.createdAt,
    updated_at: domain.updatedAt,
  };
}
