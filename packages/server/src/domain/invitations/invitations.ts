import { newId } from '../../crypto/ids.js';
import { notFound } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  acceptPendingInvitationRow,
  findInvitationRow,
  findPendingInvitationRowByTicketHash,
  hasLivePendingInvitation,
  insertInvitations,
  listInvitationRows,
  type InvitationRow,
} from '../../store/repositories/invitation-repository.js';
import { anyEmailAddressTaken } from '../../store/repositories/identification-repository.js';
import type { InvitationStatus } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { assertValidMetadata, parseStoredMetadata, type Metadata } from '../metadata.js';
import type { Invitation } from '../organizations/types.js';
import { identifierTaken } from '../users/identifier-conflicts.js';
import { parseEmailAddress } from '../users/identifiers.js';
import {
  assertDistinctAddresses,
  duplicatePendingInvitation,
  expiresAtFor,
  invitationNotPending,
  issueTicket,
  parseRedirectUrl,
  readStatus,
  ticketAcceptUrl,
  ticketInvalid,
  ticketLookupHash,
  withPendingInvitationConflicts,
  markInvitationRevoked,
} from './invitation-tickets.js';
import { queueInvitationEmail } from './invitation-email.js';
import type { Page } from '../page.js';

/** Invitations to sign up to the instance (not to an organization). */

export interface CreateInvitationInput {
  emailAddress: string;
  publicMetadata?: Metadata | null;
  redirectUrl?: string | null;
  /**
   * Without it, an address that already belongs to a user is refused. It does not lift the
   * one-pending-invitation-per-address rule: a second pending invitation is `duplicate_record`.
   */
  ignoreExisting?: boolean | null;
  expiresInDays?: number | null;
  /** Whether the invitee is emailed the accept link (the default); false when the app sends it itself. */
  notify?: boolean | null;
  /** Accepted for Clerk compatibility and ignored: Gatehouse has one invitation template. */
  templateSlug?: string | null;
}

export const INVITATION_ORDER_FIELDS = ['created_at', 'email_address', 'expires_at'] as const;
export type InvitationOrderField = (typeof INVITATION_ORDER_FIELDS)[number];

export interface InvitationListQuery {
  /** Absent or empty: every status but `revoked`, as Clerk documents for this list. */
  statuses?: readonly InvitationStatus[];
  /** A substring of the email address, or an exact invitation id. */
  query?: string;
  orderBy: { field: InvitationOrderField; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
}

/** What the ticket redemption flow needs to know about the invitation a ticket belongs to. */
export interface PendingInvitation {
  id: string;
  emailAddress: string;
  redirectUrl: string | null;
  publicMetadata: Metadata;
  expiresAt: number | null;
}

const DEFAULT_LIST_STATUSES: readonly InvitationStatus[] = ['pending', 'accepted', 'expired'];

function toInvitation(row: InvitationRow, now: number, url: string | null = null): Invitation {
  return {
    id: row.id,
    emailAddress: row.email_address,
    status: readStatus(row.status, row.expires_at, now),
    url,
    publicMetadata: parseStoredMetadata(row.public_metadata),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Clerk has no webhook for instance invitations, so these events are for the audit log only. The
 * payloads are built without accept links, so no ticket ever reaches the log.
 */
async function recordInvitationEvents(db: Executor, type: 'invitation.created' | 'invitation.revoked' | 'invitation.accepted', rows: readonly InvitationRow[], now: number): Promise<void> {
  for (const row of rows) await appendEvent(db, { type, data: eventData(type, toInvitation(row, now)) }, now);
}

async function assertAddressesUnclaimed(db: Executor, emails: readonly string[]): Promise<void> {
  if (await anyEmailAddressTaken(db, emails)) throw identifierTaken('email_address');
}

/** See `assertNoLivePendingInvitation` for organization invitations: the same index rule applies here. */
async function assertNoLivePendingInvitation(db: Executor, emails: readonly string[], now: number): Promise<void> {
  if (await hasLivePendingInvitation(db, emails, now)) throw duplicatePendingInvitation();
}

/** Creates every invitation or none, in one transaction; each reply carries its accept link once. */
export async function createInvitations(ctx: DomainContext, inputs: readonly CreateInvitationInput[]): Promise<Invitation[]> {
  const now = ctx.now();
  const prepared = inputs.map((input) => ({
    email: parseEmailAddress(input.emailAddress),
    publicMetadata: assertValidMetadata(input.publicMetadata ?? {}, 'public_metadata'),
    redirectUrl: parseRedirectUrl(input.redirectUrl),
    expiresAt: expiresAtFor(now, input.expiresInDays),
    ignoreExisting: input.ignoreExisting === true,
    notify: input.notify !== false,
  }));
  const emails = prepared.map((p) => p.email);
  assertDistinctAddresses(emails);
  const urls = new Map<string, string>();

  const rows = await withPendingInvitationConflicts(() =>
    ctx.store.transaction(async (trx) => {
      await assertAddressesUnclaimed(trx, prepared.filter((p) => !p.ignoreExisting).map((p) => p.email));
      await assertNoLivePendingInvitation(trx, emails, now);
      const values: InvitationRow[] = prepared.map((p) => {
        const { ticket, ticketHash } = issueTicket();
        const id = newId('inv', now);
        urls.set(id, ticketAcceptUrl(ctx, ticket));
        return {
          id,
          email_address: p.email,
          status: 'pending',
          ticket_hash: ticketHash,
          redirect_url: p.redirectUrl,
          public_metadata: JSON.stringify(p.publicMetadata),
          expires_at: p.expiresAt,
          created_at: now,
          updated_at: now,
        };
      });
      await insertInvitations(trx, values);
      await recordInvitationEvents(trx, 'invitation.created', values, now);
      for (const [i, row] of values.entries()) {
        if (prepared[i]?.notify) await queueInvitationEmail(ctx, trx, { to: row.email_address, url: urls.get(row.id) ?? '' }, now);
      }
      return values;
    }),
  );
  return rows.map((row) => toInvitation(row, now, urls.get(row.id) ?? null));
}

export async function createInvitation(ctx: DomainContext, input: CreateInvitationInput): Promise<Invitation> {
  const [invitation] = await createInvitations(ctx, [input]);
  if (!invitation) throw new Error('creating one invitation must yield one');
  return invitation;
}

export async function listInvitations(ctx: DomainContext, query: InvitationListQuery): Promise<Page<Invitation>> {
  const now = ctx.now();
  const statuses = query.statuses && query.statuses.length > 0 ? query.statuses : DEFAULT_LIST_STATUSES;
  const text = query.query?.trim() ?? '';
  const { rows, total } = await listInvitationRows(ctx.store.db, { statuses, text, orderBy: query.orderBy, limit: query.limit, offset: query.offset, now });
  return { items: rows.map((row) => toInvitation(row, now)), totalCount: total };
}

/** Only a pending, unexpired invitation can be revoked; revoking kills its ticket. */
export async function revokeInvitation(ctx: DomainContext, invitationId: string): Promise<Invitation> {
  const now = ctx.now();
  const row = await ctx.store.transaction(async (trx) => {
    const current = await findInvitationRow(trx, invitationId);
    if (!current) throw notFound();
    const status = readStatus(current.status, current.expires_at, now);
    if (status !== 'pending') throw invitationNotPending(status);
    await markInvitationRevoked(trx, 'invitations', current.id, now);
    const revoked = { ...current, status: 'revoked' as const, updated_at: now };
    await recordInvitationEvents(trx, 'invitation.revoked', [revoked], now);
    return revoked;
  });
  return toInvitation(row, now);
}

/**
 * The pending, unexpired invitation a presented ticket belongs to, found by the ticket's hash.
 * Redeeming it must still consume it atomically (an update guarded on `status = 'pending'`).
 */
export async function findPendingInvitationByTicket(db: Executor, ticket: string, now: number): Promise<PendingInvitation | undefined> {
  const hash = ticketLookupHash(ticket);
  if (hash === undefined) return undefined;
  const row = await findPendingInvitationRowByTicketHash(db, hash, now);
  if (!row) return undefined;
  return {
    id: row.id,
    emailAddress: row.email_address,
    redirectUrl: row.redirect_url,
    publicMetadata: parseStoredMetadata(row.public_metadata),
    expiresAt: row.expires_at,
  };
}

/**
 * Consumes an instance invitation for the user a sign-up is creating, in that sign-up's
 * transaction; guarded on the invitation still being pending and unexpired.
 */
export async function acceptInvitationIn(trx: Executor, invitationId: string, now: number): Promise<void> {
  if (!(await acceptPendingInvitationRow(trx, 'invitations', invitationId, now))) throw ticketInvalid();
  const row = await findInvitationRow(trx, invitationId);
  if (row) await recordInvitationEvents(trx, 'invitation.accepted', [row], now);
}
