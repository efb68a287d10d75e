import { sql, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Executor } from '../db.js';
import { containsPattern } from '../like-pattern.js';
import type { InvitationStatus, InvitationTable } from '../schema.js';

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
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    base.selectAll().orderBy(field, direction).orderBy('id', direction).limit(q.limit).offset(q.offset).execute(),
  ]);
  return { rows, total: Number(count.n) };
}
