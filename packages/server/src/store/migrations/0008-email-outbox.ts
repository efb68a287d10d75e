import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * The email outbox. A flow that sends mail inserts its row in the same transaction as the change
 * that needs it (a verification started, an invitation created), so an acknowledged request never
 * loses its email; the mail dispatcher delivers rows from here, retrying until the SMTP server
 * accepts them.
 *
 * 0007 is left to a migration being written in parallel on another branch.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('email_outbox')
    // `ema_…`, Clerk's email id: the `email.created` event names it.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    // Codes and links live in the bodies: they are blanked once an SMTP server has the message.
    .addColumn('text_body', 'text')
    .addColumn('html_body', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    // No foreign key: the outbox is a log of what was sent, and a user's deletion must not wait on it.
    .addColumn('user_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('transport', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  // The due queue: pending rows by when they are next due.
  await db.schema.createIndex('email_outbox_due_idx').on('email_outbox').columns(['status', 'next_attempt_at']).execute();
  // The development inbox, newest first.
  await db.schema.createIndex('email_outbox_transport_created_idx').on('email_outbox').columns(['transport', 'created_at']).execute();
}
