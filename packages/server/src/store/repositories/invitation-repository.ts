import { sql, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Executor } from '../db.js';
import { containsPattern } from '../like-pattern.js';
import type { InvitationStatus, InvitationTable, OrganizationInvitationTable } from '../schema.js';
import { pageWithTotal } from '../paging.js';

/** Invitations to the instance, and what organization invitations share with them. */

export type InvitationRow = Selectable<InvitationTable>;

const STATUS_CONDITIONS: Record<InvitationStatus, (now: number) => RawBuilder<SqlBool>> = {
  pending: (now) => sql<SqlBool>`(status = 'pending' and (expires_at is null or expires_at > ${now}))`,
  expired: (now) => sql<SqlBool>`(status = 'expired' or (status = 'pending' and expires_at <= ${now}))`,
  accepted: () => sql<SqlBool>`(status = 'accepted')`,
  revoked: () => sql<SqlBool>`(status = 'revoked')`,
};

/**
 * A WHERE condition matching invitations whose status reads as any of `statuses` at `now` (a
 * pending invitation past its expiry reads as expired), for a single-table query over
 * `organization_invitations` or `invitations` (both have these columns).
 */
export function statusCondition(statuses: readonly InvitationStatus[], now: number): RawBuilder<SqlBool> {
  const parts = [...new Set(statuses)].map((status) => STATUS_CONDITIONS[status](now));
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * Revokes an invitation still stored as pending; false when a concurrent writer changed it first.
 */
export async function revokePendingInvitationRow(db: Executor, table: 'invitations' | 'organization_invitations', id: string, now: number): Promise<boolean> {
  const result = await db.updateTable(table).set({ status: 'revoked', updated_at: now }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Accepts an invitation still pending and unexpired; false when it was used, revoked or lapsed
 * first, so of two redemptions racing for one ticket only one succeeds.
 */
export async function acceptPendingInvitationRow(db: Executor, table: 'invitations' | 'organization_invitations', id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ status: 'accepted', updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Marks these addresses' lapsed pending invitations expired (so the partial unique index on
 * pending invitations lets a new one in) and says whether a live pending one remains.
 */
export async function hasLivePendingInvitation(db: Executor, emails: readonly string[], now: number): Promise<boolean> {
  await db.updateTable('invitations').set({ status: 'expired' }).where('email_address', 'in', [...emails]).where('status', '=', 'pending').where('expires_at', '<=', now).execute();
  const pending = await db.selectFrom('invitations').select('id').where('email_address', 'in', [...emails]).where('status', '=', 'pending').executeTakeFirst();
  return pending !== undefined;
}

export async function insertInvitations(db: Executor, rows: readonly InvitationRow[]): Promise<void> {
  await db.insertInto('invitations').values([...rows]).execute();
}

export async function findInvitationRow(db: Executor, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPendingInvitationRowByTicketHash(db: Executor, ticketHash: string, now: number): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('ticket_hash', '=', ticketHash).where(statusCondition(['pending'], now)).executeTakeFirst();
}

export interface InvitationRowQuery {
  statuses: readonly InvitationStatus[];
  /** A substring of the email address (any case), or an exact invitation id. */
  text: string;
  orderBy: { field: 'created_at' | 'email_address' | 'expires_at'; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
  now: number;
}

/** One page of invitations and how many match. */
export async function listInvitationRows(db: Executor, q: InvitationRowQuery): Promise<{ rows: InvitationRow[]; total: number }> {
  const base = db
    .selectFrom('invitations')
    .where(statusCondition(q.statuses, q.now))
    .$if(q.text !== '', (qb) => qb.where((eb) => eb.or([sql<boolean>`email_address like ${containsPattern(q.text.toLowerCase())} escape '\\'`, eb('id', '=', q.text)])));
  const { field, direction } = q.orderBy;
  return pageWithTotal(base, (query) => query.selectAll().orderBy(field, direction).orderBy('id', direction), q);
}

// ---- organization invitations ----

export type OrganizationInvitationRow = Selectable<OrganizationInvitationTable>;

/** Whether any of these addresses belongs to a member of the organization. */
export async function anyAddressIsMember(db: Executor, organizationId: string, emails: readonly string[]): Promise<boolean> {
  const member = await db
    .selectFrom('organization_memberships as m')
    .innerJoin('email_addresses as e', 'e.user_id', 'm.user_id')
    .select('e.email_address')
    .where('m.organization_id', '=', organizationId)
    .where('e.email_address', 'in', [...emails])
    .executeTakeFirst();
  return member !== undefined;
}

/**
 * Stores these addresses' lapsed pending invitations to the organization as `expired` (the partial
 * unique index covers stored `pending` rows only; their reading and `updated_at` do not change)
 * and says whether a live pending one remains.
 */
export async function hasLivePendingOrganizationInvitation(db: Executor, organizationId: string, emails: readonly string[], now: number): Promise<boolean> {
  await db
    .updateTable('organization_invitations')
    .set({ status: 'expired' })
    .where('organization_id', '=', organizationId)
    .where('email_address', 'in', [...emails])
    .where('status', '=', 'pending')
    .where('expires_at', '<=', now)
    .execute();
  const pending = await db
    .selectFrom('organization_invitations')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('email_address', 'in', [...emails])
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return pending !== undefined;
}

export async function insertOrganizationInvitations(db: Executor, rows: readonly OrganizationInvitationRow[]): Promise<void> {
  await db.insertInto('organization_invitations').values([...rows]).execute();
}

/** An invitation of this organization (another organization's is not found). */
export async function findOrganizationInvitationRow(db: Executor, organizationId: string, id: string): Promise<OrganizationInvitationRow | undefined> {
  return db.selectFrom('organization_invitations').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
}

export async function findOrganizationInvitationRowById(db: Executor, id: string): Promise<OrganizationInvitationRow | undefined> {
  return db.selectFrom('organization_invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPendingOrganizationInvitationRowByTicketHash(db: Executor, ticketHash: string, now: number): Promise<OrganizationInvitationRow | undefined> {
  return db.selectFrom('organization_invitations').selectAll().where('ticket_hash', '=', ticketHash).where('status', '=', 'pending').where('expires_at', '>', now).executeTakeFirst();
}

export interface OrganizationInvitationRowQuery {
  organizationId?: string | undefined;
  /** Invitations addressed to any of these (normalized) addresses. */
  emailAddresses?: readonly string[] | undefined;
  /** Empty: every status. */
  statuses: readonly InvitationStatus[];
  orderBy: { field: 'created_at' | 'email_address'; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
  now: number;
}

/** One page of organization invitations and how many match. */
export async function listOrganizationInvitationRows(db: Executor, q: OrganizationInvitationRowQuery): Promise<{ rows: OrganizationInvitationRow[]; total: number }> {
  const base = db
    .selectFrom('organization_invitations')
    .$if(q.organizationId !== undefined, (qb) => qb.where('organization_id', '=', q.organizationId ?? ''))
    .$if(q.statuses.length > 0, (qb) => qb.where(statusCondition(q.statuses, q.now)))
    .$if(q.emailAddresses !== undefined && q.emailAddresses.length > 0, (qb) => qb.where('email_address', 'in', [...(q.emailAddresses ?? [])]));
  const { field, direction } = q.orderBy;
  return pageWithTotal(base, (query) => query.selectAll().orderBy(field, direction).orderBy('id', direction), q);
}
