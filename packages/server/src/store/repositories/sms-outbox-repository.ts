import type { Selectable } from 'kysely';
import type { Executor } from '../db.js';
import { pageWithTotal, type PageRequest, type RowsWithTotal } from '../paging.js';
import type { SmsOutboxTable } from '../schema.js';

export type SmsRow = Selectable<SmsOutboxTable>;

export async function insertSms(db: Executor, row: SmsRow): Promise<void> {
  await db.insertInto('sms_outbox').values(row).execute();
}

/** Text messages, newest first, and how many there are. */
export async function listSmsRows(db: Executor, page: PageRequest): Promise<RowsWithTotal<SmsRow>> {
  return pageWithTotal(db.selectFrom('sms_outbox'), (q) => q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'), page);
}
