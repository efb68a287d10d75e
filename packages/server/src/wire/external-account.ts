import type { ExternalAccount } from '../domain/oauth/external-accounts.js';

/**
 * Clerk's `external_account`, as the Backend and Frontend APIs show it on a user. `provider` is
 * the strategy (clerk-js strips the `oauth_` prefix); tokens never appear here.
 */
export function serializeExternalAccount(a: ExternalAccount) {
  return {
    object: 'external_account',
    id: a.id,
    provider: a.provider,
    identification_id: a.id,
    provider_user_id: a.providerUserId,
    approved_scopes: a.approvedScopes,
    email_address: a.emailAddress,
    email_address_verified: a.emailAddressVerified,
    first_name: a.firstName,
    last_name: a.lastName,
    avatar_url: a.imageUrl,
    image_url: a.imageUrl,
    username: a.username,
    phone_number: null,
    public_metadata: {},
    label: null,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    verification: { object: 'verification_oauth', status: 'verified', strategy: a.provider, attempts: null, expire_at: a.createdAt },
  };
}
