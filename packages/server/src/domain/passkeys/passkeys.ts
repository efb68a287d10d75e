import { generateRegistrationOptions, verifyRegistrationResponse, type AuthenticatorTransportFuture } from '@simplewebauthn/server';
import { newId } from '../../crypto/ids.js';
import { constantTimeEqual, hashSecret } from '../../crypto/tokens.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import {
  completePasskeyRegistration as completeRegistrationRow,
  deleteLapsedRegistrations,
  deletePasskeyRow,
  findPasskey,
  insertPasskey,
  renamePasskeyRow,
  type PasskeyRow,
} from '../../store/repositories/passkey-repository.js';
import { uniqueViolationColumn } from '../../store/unique-violation.js';
import { loadUserRecord, lockUserRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import { recordSecurityEvent, recordUserChange, userPayload } from '../users/user-events.js';
import { parseRegistrationCredential } from './credential-json.js';
import { relyingParty } from './relying-party.js';

/** A registration has ten minutes to be answered by the authenticator. */
const REGISTRATION_LIFETIME_MS = 10 * 60 * 1000;

export interface Passkey {
  id: string;
  userId: string;
  name: string;
  verified: boolean;
  /** The WebAuthn creation options (JSON), only in the reply that starts a registration. */
  nonce: string | null;
  expireAt: number | null;
  lastUsedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export function toPasskey(row: PasskeyRow, nonce: string | null = null): Passkey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    verified: row.verified_at !== null,
    nonce,
    expireAt: row.verified_at ?? row.challenge_expires_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The user handle an authenticator stores with a discoverable credential: the user id's bytes. */
export function userHandleOf(userId: string): Uint8Array {
  return new TextEncoder().encode(userId);
}

export function storedTransports(row: Pick<PasskeyRow, 'transports'>): AuthenticatorTransportFuture[] {
  return row.transports ? (JSON.parse(row.transports) as AuthenticatorTransportFuture[]) : [];
}

async function assertPasskeysEnabled(ctx: DomainContext): Promise<void> {
  if (!(await readInstanceSettings(ctx)).passkey.enabled) throw new GatehouseError('not_allowed_access');
}

/**
 * Starts registering a passkey: the creation options for the browser (a discoverable credential
 * with user verification, none of the user's registered credentials again), with a challenge kept
 * as a hash.
 */
export async function startPasskeyRegistration(ctx: DomainContext, userId: string, name: string): Promise<Passkey> {
  await assertPasskeysEnabled(ctx);
  const record = await loadUserRecord(ctx.store.db, userId);
  if (!record) throw notFound();
  const rp = relyingParty(ctx);
  const primary = record.emailAddresses.find((e) => e.id === record.row.primary_email_address_id)?.email_address;
  const userName = primary ?? record.row.username ?? userId;
  const displayName = [record.row.first_name, record.row.last_name].filter(Boolean).join(' ') || userName;
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName,
    userDisplayName: displayName,
    userID: userHandleOf(userId) as Uint8Array<ArrayBuffer>,
    attestationType: 'none',
    excludeCredentials: record.passkeys.flatMap((p) => (p.credential_id ? [{ id: p.credential_id, transports: storedTransports(p) }] : [])),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: REGISTRATION_LIFETIME_MS / 2,
  });
  const now = ctx.now();
  const row: PasskeyRow = {
    id: newId('idn', now),
    user_id: userId,
    name,
    credential_id: null,
    public_key: null,
    sign_count: 0,
    transports: null,
    challenge_hash: hashSecret(options.challenge),
    challenge_expires_at: now + REGISTRATION_LIFETIME_MS,
    verified_at: null,
    last_used_at: null,
    created_at: now,
    updated_at: now,
  };
  await deleteLapsedRegistrations(ctx.store.db, userId, now);
  await insertPasskey(ctx.store.db, row);
  return toPasskey(row, JSON.stringify(options));
}

/**
 * Completes a registration with the browser's answer: the attestation must answer this
 * registration's challenge, from an allowed origin, for this relying party, with the user
 * verified. The credential then belongs to this user; one registered to anyone is refused.
 */
export async function completePasskeyRegistration(ctx: DomainContext, userId: string, passkeyId: string, rawCredential: string | undefined): Promise<Passkey> {
  const row = await findPasskey(ctx.store.db, passkeyId);
  if (!row || row.user_id !== userId) throw notFound();
  if (row.verified_at !== null) throw new GatehouseError('verification_already_verified', { meta: { param_name: 'public_key_credential' } });
  const challengeHash = row.challenge_hash;
  if (challengeHash === null || row.challenge_expires_at === null || row.challenge_expires_at <= ctx.now()) {
    throw new GatehouseError('verification_expired', { meta: { param_name: 'public_key_credential' } });
  }
  const credential = parseRegistrationCredential(rawCredential);
  const rp = relyingParty(ctx);
  const invalid = () => new GatehouseError('passkey_invalid', { meta: { param_name: 'public_key_credential' } });
  const result = await verifyRegistrationResponse({
    response: { ...credential, response: { ...credential.response, transports: credential.response.transports as AuthenticatorTransportFuture[] | undefined }, clientExtensionResults: {} },
    expectedChallenge: (challenge) => constantTimeEqual(hashSecret(challenge), challengeHash),
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    requireUserVerification: true,
  }).catch(() => undefined);
  if (!result?.verified) throw invalid();
  const { credential: registered } = result.registrationInfo;
  const now = ctx.now();
  const filled = {
    credential_id: registered.id,
    public_key: Buffer.from(registered.publicKey).toString('base64url'),
    sign_count: registered.counter,
    transports: JSON.stringify(registered.transports ?? credential.response.transports ?? []),
    verified_at: now,
    last_used_at: now,
    updated_at: now,
  };
  try {
    await ctx.store.transaction(async (trx) => {
      const user = await lockUserRow(trx, ctx.store.dialect, userId);
      if (!user) throw notFound();
      const before = await userPayload(ctx, trx, userId);
      const done = await completeRegistrationRow(trx, passkeyId, challengeHash, filled);
      // Answered twice at once: the other answer registered it.
      if (!done) throw new GatehouseError('verification_already_verified', { meta: { param_name: 'public_key_credential' } });
      await recordSecurityEvent(ctx, trx, 'user.passkey_registered', userId);
      await recordUserChange(ctx, trx, userId, 'user.updated', before);
    });
  } catch (error) {
    if (uniqueViolationColumn(error) !== undefined) throw new GatehouseError('passkey_already_registered', { meta: { param_name: 'public_key_credential' } });
    throw error;
  }
  return toPasskey({ ...row, ...filled, challenge_hash: null, challenge_expires_at: null });
}

export async function getOwnPasskey(ctx: DomainContext, userId: string, passkeyId: string): Promise<Passkey> {
  const row = await findPasskey(ctx.store.db, passkeyId);
  if (!row || row.user_id !== userId) throw notFound();
  return toPasskey(row);
}

export async function renamePasskey(ctx: DomainContext, userId: string, passkeyId: string, name: string): Promise<Passkey> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw paramError('form_param_value_invalid', 'name', 'A passkey name has 1 to 100 characters.');
  const row = await findPasskey(ctx.store.db, passkeyId);
  if (!row || row.user_id !== userId) throw notFound();
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    const before = await userPayload(ctx, trx, userId);
    await renamePasskeyRow(trx, passkeyId, trimmed, now);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
  return toPasskey({ ...row, name: trimmed, updated_at: now });
}

/** Deletes one of the user's passkeys, registered or still pending (clerk-js drops one whose browser prompt failed). */
export async function deletePasskey(ctx: DomainContext, userId: string, passkeyId: string): Promise<void> {
  const row = await findPasskey(ctx.store.db, passkeyId);
  if (!row || row.user_id !== userId) throw notFound();
  await ctx.store.transaction(async (trx) => {
    const before = await userPayload(ctx, trx, userId);
    if (!(await deletePasskeyRow(trx, passkeyId))) throw notFound();
    if (row.verified_at !== null) {
      await recordSecurityEvent(ctx, trx, 'user.passkey_removed', userId);
      await recordUserChange(ctx, trx, userId, 'user.updated', before);
    }
  });
}
