import { hashSecret, randomSecret } from '../../crypto/tokens.js';
import { GatehouseError, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { revokePendingInvitationRow } from '../../store/repositories/invitation-repository.js';
import type { InvitationStatus } from '../../store/schema.js';
import { uniqueViolationColumn } from '../../store/unique-violation.js';
import type { DomainContext } from '../context.js';

/**
 * What organization invitations and instance invitations share: the single-use ticket each one
 * carries, its expiry, how a stored status reads at a given time, and the rule that one address
 * has at most one pending invitation per scope.
 */

export const DEFAULT_EXPIRES_IN_DAYS = 30;
export const MAX_EXPIRES_IN_DAYS = 365;
const DAY_MS = 86_400_000;
const REDIRECT_URL_MAX_LENGTH = 2048;
/** Tickets are 43 base62 characters; anything far longer is not one of ours and is not hashed. */
const TICKET_MAX_LENGTH = 256;

export interface IssuedTicket {
  /** Handed out once, in the reply that created the invitation; never stored or logged. */
  ticket: string;
  ticketHash: string;
}

/** 256 bits of randomness (R38 asks for at least 128), stored only as its SHA-256 (R8). */
export function issueTicket(): IssuedTicket {
  const ticket = randomSecret(32);
  return { ticket, ticketHash: hashSecret(ticket) };
}

/** The stored form of a presented ticket, or undefined when it cannot be one of ours. */
export function ticketLookupHash(ticket: string): string | undefined {
  if (ticket.length === 0 || ticket.length > TICKET_MAX_LENGTH) return undefined;
  return hashSecret(ticket);
}

/**
 * The link an invitee follows: the Frontend API's `tickets/accept`, which sends the browser on to
 * sign up or sign in with the ticket. Any path prefix of the public URL is kept.
 */
export function ticketAcceptUrl(ctx: Pick<DomainContext, 'publicUrl'>, ticket: string): string {
  const url = new URL(ctx.publicUrl.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/fapi/v1/tickets/accept`;
  url.search = '';
  url.hash = '';
  url.searchParams.set('ticket', ticket);
  return url.href;
}

export function expiresAtFor(now: number, expiresInDays: number | null | undefined): number {
  const days = expiresInDays ?? DEFAULT_EXPIRES_IN_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRES_IN_DAYS) {
    throw paramError('form_param_value_invalid', 'expires_in_days', `expires_in_days must be a whole number from 1 to ${MAX_EXPIRES_IN_DAYS}.`);
  }
  return now + days * DAY_MS;
}

/** An optional absolute http(s) URL; the redirect allowlist, when it exists, belongs here too. */
export function parseRedirectUrl(value: string | null | undefined, paramName = 'redirect_url'): string | null {
  if (value === null || value === undefined || value === '') return null;
  const invalid = () => paramError('form_param_format_invalid', paramName, `${paramName} must be an absolute http or https URL.`);
  if (value.length > REDIRECT_URL_MAX_LENGTH) throw invalid();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid();
  return value;
}

/** A pending invitation past its expiry reads as `expired`, whether or not a write has marked it so. */
export function readStatus(stored: InvitationStatus, expiresAt: number | null, now: number): InvitationStatus {
  return stored === 'pending' && expiresAt !== null && expiresAt <= now ? 'expired' : stored;
}

/** One answer for a ticket that is unknown, used, revoked or expired: which of these it was is nobody's business. */
export function ticketInvalid(): GatehouseError {
  return new GatehouseError('ticket_invalid', { meta: { param_name: 'ticket' } });
}

export function invitationNotPending(status: InvitationStatus): GatehouseError {
  return new GatehouseError('invitation_not_pending', { meta: { status } });
}

export function duplicatePendingInvitation(): GatehouseError {
  return new GatehouseError('duplicate_record', {
    meta: { param_name: 'email_address' },
    longMessage: 'There is already a pending invitation for this email address.',
  });
}

export function assertDistinctAddresses(emails: readonly string[]): void {
  if (new Set(emails).size !== emails.length) {
    throw new GatehouseError('duplicate_record', {
      meta: { param_name: 'email_address' },
      longMessage: 'The same email address appears more than once in the request.',
    });
  }
}

/**
 * Runs a write whose pending-invitation check ran inside its transaction; a concurrent writer that
 * won the race trips the partial unique index instead, which still ends as `duplicate_record`.
 */
export async function withPendingInvitationConflicts<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (uniqueViolationColumn(error) !== undefined) throw duplicatePendingInvitation();
    throw error;
  }
}

/**
 * Revokes one invitation that was read as pending. The status is re-checked in the update, so of
 * two concurrent revokes only one succeeds; the loser gets `invitation_not_pending`.
 */
export async function markInvitationRevoked(db: Executor, table: 'invitations' | 'organization_invitations', id: string, now: number): Promise<void> {
  if (!(await revokePendingInvitationRow(db, table, id, now))) throw invitationNotPending('revoked');
}
