import type { Passkey } from '../domain/passkeys/passkeys.js';

/** The Backend API's `Passkey` on a user: registered ones only, last used at least when registered. */
export function serializePasskey(passkey: Passkey) {
  return {
    id: passkey.id,
    object: 'passkey',
    name: passkey.name,
    last_used_at: passkey.lastUsedAt ?? passkey.createdAt,
    verification: { object: 'verification_passkey', status: 'verified', strategy: 'passkey', attempts: null, expire_at: null },
  };
}

/**
 * The Frontend API's `Passkey`. The WebAuthn creation options ride in `verification.nonce` only
 * while a registration is pending: clerk-js parses any nonce it finds as such options.
 */
export function serializeFapiPasskey(passkey: Passkey) {
  return {
    object: 'passkey',
    id: passkey.id,
    name: passkey.name,
    last_used_at: passkey.lastUsedAt,
    verification: {
      object: 'verification_passkey',
      status: passkey.verified ? 'verified' : 'unverified',
      strategy: 'passkey',
      attempts: null,
      expire_at: passkey.expireAt ?? passkey.createdAt,
      ...(passkey.nonce ? { nonce: passkey.nonce } : {}),
    },
    created_at: passkey.createdAt,
    updated_at: passkey.updatedAt,
  };
}
