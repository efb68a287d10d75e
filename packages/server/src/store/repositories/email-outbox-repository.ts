import type { Selectable } from 'kysely';
import type { Dialect, Executor } from '../db.js';
import { pageWithTotal, type PageRequest, type RowsWithTotal } from '../paging.js';
import { forUpdateSkipLocked } from '../row-lock.js';
import type { EmailOutboxTable, EmailTransport } from '../schema.js';

export async function insertEmail(db: Executor, row: EmailOutboxTable): Promise<void> {
  await db.insertInto('email_outbox').values(row).execute();
}

export async function findEmailRow(db: Executor, id: string): Promise<Selectable<EmailOutboxTable> | undefined> {
  return db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

// ---- the dispatcher's queue ----

function dueEmails(db: Executor, now: number) {
  return db
    .selectFrom('email_outbox')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]));
}

/**
 * Whether any email is due: a read, so an idle dispatcher polling the queue never asks SQLite
 * for its one write lock.
 */
export async function hasDueEmail(db: Executor, now: number): Promise<boolean> {
  const row = await dueEmails(db, now).select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

export type ClaimedEmail = Pick<
  EmailOutboxTable,
  'id' | 'to_address' | 'from_address' | 'subject' | 'text_body' | 'html_body' | 'kind' | 'attempts' | 'created_at'
> & {
  /** The claim: updates made under it name it, so a lapsed claim never overwrites a newer one. */
  locked_until: number;
};

/**
 * Marks up to `limit` due emails as claimed until `lockedUntil`, atomically across processes:
 * PostgreSQL skips rows another process is claiming; SQLite runs one writer at a time, so the
 * single UPDATE statement is already atomic there.
 */
export async function claimDueEmails(db: Executor, dialect: Dialect, now: number, lockedUntil: number, limit: number): Promise<ClaimedEmail[]> {
  const due = dueEmails(db, now).select('id').orderBy('next_attempt_at').limit(limit);
  const rows = await db
    .updateTable('email_outbox')
    .set({ locked_until: lockedUntil })
    .where('id', 'in', forUpdateSkipLocked(due, dialect))
    .returning(['id', 'to_address', 'from_address', 'subject', 'text_body', 'html_body', 'kind', 'attempts', 'created_at'])
    .execute();
  return rows.map((r) => ({ ...r, locked_until: lockedUntil }));
}

/**
 * Records a delivery. Bodies are blanked unless `keepBodies` (the development inbox shows them).
 * Only a pending row moves: a delivery is final, whoever made it. False when the row was no longer pending.
 */
export async function markEmailSent(
  db: Executor,
  id: string,
  sent: { transport: EmailTransport; attempts: number; sentAt: number; keepBodies: boolean },
): Promise<boolean> {
  const result = await db
    .updateTable('email_outbox')
    .set({
      status: 'sent',
      transport: sent.transport,
      attempts: sent.attempts,
      sent_at: sent.sentAt,
      locked_until: null,
      last_error: null,
      ...(sent.keepBodies ? {} : { text_body: null, html_body: null }),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A failed attempt: due again at `nextAttemptAt`. Only under the claim `lockedUntil`; false when it lapsed and another took over. */
export async function scheduleEmailRetry(
  db: Executor,
  id: string,
  lockedUntil: number,
  retry: { attempts: number; nextAttemptAt: number; lastError: string },
): Promise<boolean> {
  const result = await db
    .updateTable('email_outbox')
    .set({ attempts: retry.attempts, next_attempt_at: retry.nextAttemptAt, last_error: retry.lastError, locked_until: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('locked_until', '=', lockedUntil)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The recipient was refused for good: the row stays, as a record, without its bodies. Only under the claim `lockedUntil`. */
export async function markEmailFailed(db: Executor, id: string, lockedUntil: number, failure: { attempts: number; lastError: string }): Promise<boolean> {
  const result = await db
    .updateTable('email_outbox')
    .set({ status: 'failed', attempts: failure.attempts, last_error: failure.lastError, locked_until: null, text_body: null, html_body: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('locked_until', '=', lockedUntil)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

// ---- the development inbox ----

export type InboxRow = Pick<EmailOutboxTable, 'id' | 'to_address' | 'subject' | 'text_body' | 'html_body' | 'kind' | 'created_at'>;

/** One page of the messages delivered to the development inbox, newest first, and how many there are. */
export async function listInboxRows(db: Executor, page: PageRequest): Promise<RowsWithTotal<InboxRow>> {
  return pageWithTotal(
    db.selectFrom('email_outbox').where('transport', '=', 'inbox'),
    (q) => q.select(['id', 'to_address', 'subject', 'text_body', 'html_body', 'kind', 'created_at']).orderBy('created_at', 'desc').orderBy('id', 'desc'),
    page,
  );
}
