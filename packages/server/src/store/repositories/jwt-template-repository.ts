import type { Selectable, Updateable } from 'kysely';
import type { Executor } from '../db.js';
import type { JwtTemplateTable } from '../schema.js';
import { pageWithTotal } from '../paging.js';

export type JwtTemplateRow = Selectable<JwtTemplateTable>;

/** Whether another template (not `exceptId`) already has this name. */
export async function jwtTemplateNameTaken(db: Executor, name: string, exceptId?: string): Promise<boolean> {
  let query = db.selectFrom('jwt_templates').select('id').where('name', '=', name);
  if (exceptId) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function findJwtTemplateRow(db: Executor, by: { id: string } | { name: string }): Promise<JwtTemplateRow | undefined> {
  const query = db.selectFrom('jwt_templates').selectAll();
  return ('id' in by ? query.where('id', '=', by.id) : query.where('name', '=', by.name)).executeTakeFirst();
}

/** One page of templates, newest first, and how many there are. */
export async function listJwtTemplateRows(db: Executor, page: { limit: number; offset: number }): Promise<{ rows: JwtTemplateRow[]; total: number }> {
  return pageWithTotal(db.selectFrom('jwt_templates'), (q) => q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'), page);
}

export async function insertJwtTemplate(db: Executor, row: JwtTemplateRow): Promise<void> {
  await db.insertInto('jwt_templates').values(row).execute();
}

export async function updateJwtTemplateRow(db: Executor, id: string, patch: Updateable<JwtTemplateTable>): Promise<void> {
  await db.updateTable('jwt_templates').set(patch).where('id', '=', id).execute();
}

/** False when there was no such template. */
export async function deleteJwtTemplateRow(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('jwt_templates').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
