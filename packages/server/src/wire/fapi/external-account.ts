import type { PendingConnection } from '../../domain/oauth/connect-account.js';
import type { ExternalAccount } from '../../domain/oauth/external-accounts.js';
import type { Verification } from '../../domain/verifications/verifications.js';
import { serializeExternalAccount } from '../external-account.js';
import { serializeVerification } from './client.js';

/** A connection not yet answered, as clerk-js reads it: an external account whose verification leads to the provider. */
export function serializePendingConnection(p: PendingConnection) {
  return {
    object: 'external_account',
    id: p.id,
    provider: p.strategy,
    identification_id: p.id,
    provider_user_id: '',
    approved_scopes: '',
    email_address: '',
    first_name: '',
    last_name: '',
    image_url: '',
    username: null,
    phone_number: null,
    public_metadata: {},
    label: null,
    created_at: p.createdAt,
    updated_at: p.createdAt,
    verification: serializeVerification(p.verification),
  };
}

/** A connected account asked for again: the account, with the verification that leads to the provider. */
export function serializeReauthorization(account: ExternalAccount, verification: Verification) {
  return { ...serializeExternalAccount(account), verification: serializeVerification(verification) };
}
