import { createHmac, randomInt } from 'node:crypto';
import { newId } from '../../crypto/ids.js';
import { constantTimeEqual, hashSecret, randomSecret } from '../../crypto/tokens.js';
import { GatehouseError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  closeVerification,
  findVerificationBySecret,
  insertVerification,
  reserveCodeAttempt,
  type VerificationRow,
} from '../../store/repositories/attempt-repository.js';
import type { AttemptVerificationStatus } from '../../store/schema.js';
import type { DomainContext } from '../context.js';

/**
 * One-time codes and links, as sign-in and sign-up verify an email address with them. A code is
 * 6 digits, lives 10 minutes and allows 5 attempts, after which the verification has failed for
 * good; a link lives 10 minutes. Either works once. Only a keyed hash of a code is stored (a
 * plain hash of a 6-digit code is reversed by trying a million), and only a hash of a link token.
 */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;
export const LINK_LIFETIME_MS = 10 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;

export interface Verification {
  id: string;
  strategy: string;
  status: AttemptVerificationStatus;
  attempts: number;
  expireAt: number | null;
  emailAddressId: string | null;
  verifiedAt: number | null;
  /** What the browser needs for the next step (a passkey's WebAuthn request options), only in the reply that starts it. */
  nonce?: string;
  /** Where the browser goes to answer it (a provider's authorization page), only in the reply that starts it. */
  externalVerificationRedirectUrl?: string;
  /** Why it failed or must be transferred, as a Clerk error code (OAuth). */
  errorCode: string | null;
}

export function toVerification(row: VerificationRow, now: number): Verification {
  const lapsed = row.status === 'unverified' && row.expire_at !== null && row.expire_at <= now;
  return {
    id: row.id,
    strategy: row.strategy,
    status: lapsed ? 'expired' : row.status,
    attempts: row.attempts,
    expireAt: row.expire_at,
    emailAddressId: row.email_address_id,
    verifiedAt: row.verified_at,
    errorCode: row.error_code,
  };
}

function codeHash(ctx: DomainContext, verificationId: string, code: string): string {
  return createHmac('sha256', ctx.verificationKey).update(`${verificationId}:${code}`).digest('hex');
}

interface NewVerification {
  clientId: string;
  strategy: string;
  emailAddressId?: string | null;
  phoneNumberId?: string | null;
}

function baseRow(input: NewVerification, id: string, now: number): VerificationRow {
  return {
    id,
    client_id: input.clientId,
    strategy: input.strategy,
    status: 'unverified',
    attempts: 0,
    secret_hash: null,
    email_address_id: input.emailAddressId ?? null,
    phone_number_id: input.phoneNumberId ?? null,
    expire_at: null,
    verified_at: null,
    error_code: null,
    created_at: now,
    updated_at: now,
  };
}

/** A verification already verified by what was checked before it was recorded (a password, an invitation's ticket). */
export async function recordVerified(db: Executor, input: NewVerification, now: number): Promise<VerificationRow> {
  const row: VerificationRow = { ...baseRow(input, newId('ver', now), now), status: 'verified', verified_at: now };
  await insertVerification(db, row);
  return row;
}

/** A fresh code verification; the code is returned to be mailed and never stored. */
export async function startCodeVerification(ctx: DomainContext, db: Executor, input: NewVerification, now: number): Promise<{ id: string; code: string }> {
  const id = newId('ver', now);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await insertVerification(db, { ...baseRow(input, id, now), secret_hash: codeHash(ctx, id, code), expire_at: now + CODE_LIFETIME_MS });
  return { id, code };
}

/** A fresh verification answered by signing `challenge` (a passkey); only its hash is stored. */
export async function startChallengeVerification(db: Executor, input: NewVerification, challenge: string, lifetimeMs: number, now: number): Promise<VerificationRow> {
  const row = { ...baseRow(input, newId('ver', now), now), secret_hash: hashSecret(challenge), expire_at: now + lifetimeMs };
  await insertVerification(db, row);
  return row;
}

/** A fresh link verification; the token goes into the mailed URL and only its hash is stored. */
export async function startLinkVerification(db: Executor, input: NewVerification, now: number): Promise<{ id: string; token: string }> {
  const id = newId('ver', now);
  const token = randomSecret(32);
  await insertVerification(db, { ...baseRow(input, id, now), secret_hash: hashSecret(token), expire_at: now + LINK_LIFETIME_MS });
  return { id, token };
}

function closedError(row: Verification): GatehouseError {
  if (row.status === 'expired') return new GatehouseError('verification_expired', { meta: { param_name: 'code' } });
  if (row.status === 'verified') return new GatehouseError('verification_already_verified', { meta: { param_name: 'code' } });
  return new GatehouseError('verification_failed', { meta: { param_name: 'code' } });
}

/**
 * One attempt at a code. Each attempt is counted before it is compared, so parallel guesses get
 * no more than 5 comparisons between them; the fifth wrong one fails the verification.
 */
export async function attemptCode(ctx: DomainContext, current: Verification, code: string): Promise<void> {
  const now = ctx.now();
  if (current.status !== 'unverified') throw closedError(current);
  const reserved = await reserveCodeAttempt(ctx.store.db, current.id, MAX_CODE_ATTEMPTS, now);
  if (!reserved) throw closedError({ ...current, status: current.expireAt !== null && current.expireAt <= now ? 'expired' : 'failed' });
  const matches = reserved.secret_hash !== null && constantTimeEqual(reserved.secret_hash, codeHash(ctx, current.id, code));
  if (matches) {
    if (!(await closeVerification(ctx.store.db, current.id, 'verified', now))) throw closedError({ ...current, status: 'failed' });
    return;
  }
  if (reserved.attempts >= MAX_CODE_ATTEMPTS) {
    await closeVerification(ctx.store.db, current.id, 'failed', now);
    throw new GatehouseError('verification_failed', { meta: { param_name: 'code' } });
  }
  throw new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } });
}

/**
 * Redeems a link token: the verification it belongs to, verified now, or an error when the link is
 * unknown, used, expired, or opened by another client than the one that asked for it.
 */
export async function redeemLinkToken(ctx: DomainContext, token: string, clientId: string | undefined): Promise<VerificationRow> {
  const now = ctx.now();
  const row = await findVerificationBySecret(ctx.store.db, hashSecret(token));
  if (!row) throw new GatehouseError('verification_link_invalid');
  const current = toVerification(row, now);
  if (current.status === 'expired') throw new GatehouseError('verification_expired');
  if (current.status !== 'unverified') throw new GatehouseError('verification_link_invalid');
  if (row.client_id !== clientId) throw new GatehouseError('verification_link_other_client');
  if (!(await closeVerification(ctx.store.db, row.id, 'verified', now))) throw new GatehouseError('verification_link_invalid');
  return { ...row, status: 'verified', verified_at: now, secret_hash: null };
}
