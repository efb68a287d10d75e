import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db.js';
import type { EventTable } from '../schema.js';

/** Appends one row to the event log, in the caller's transaction. */
export async function insertEvent(db: Executor, row: Insertable<EventTable>): Promise<void> {
  await db.insertInto('events').values(row).execute();
}

export interface EventLogFilter {
  actorId?: string | undefined;
  subjectUserId?: string | undefined;
  subjectOrganizationId?: string | undefined;
  types?: readonly string[] | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  /** Only events appended before this sequence number. */
  beforeSeq?: number | undefined;
}

/** The log's sequence number of the event with this id. */
export async function findEventSeq(db: Executor, id: string): Promise<number | undefined> {
  return (await db.selectFrom('events').select('seq').where('id', '=', id).executeTakeFirst())?.seq;
}

/** Events matching `filter`, newest first. */
export async function listEventsNewestFirst(db: Executor, filter: EventLogFilter, limit: number): Promise<Selectable<EventTable>[]> {
  let query = db.selectFrom('events').selectAll();
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
  if (filter.subjectUserId) query = query.where('subject_user_id', '=', filter.subjectUserId);
  if (filter.subjectOrganizationId) query = query.where('subject_organization_id', '=', filter.subjectOrganizationId);
  if (filter.types?.length) query = query.where('type', 'in', [...filter.types]);
  if (filter.createdAfter !== undefined) query = query.where('created_at', '>', filter.createdAfter);
  if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
  return query.orderBy('seq', 'desc').limit(limit).execute();
}

export async function findEventBySeq(db: Executor, seq: number): Promise<Selectable<EventTable> | undefined> {
  return db.selectFrom('events').selectAll().where('seq', '=', seq).executeTakeFirst();
}
