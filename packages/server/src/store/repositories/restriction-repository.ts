import type { Selectable } from 'kysely';
import type { Executor } from '../db.js';
import type { RestrictionIdentifierTable, RestrictionList } from '../schema.js';

export type RestrictionIdentifierRow = Selectable<RestrictionIdentifierTable>;

export async function listRestrictionIdentifiers(db: Executor, list: RestrictionList): Promise<RestrictionIdentifierRow[]> {
  return db.selectFrom('restriction_identifiers').selectAll().where('list', '=', list).orderBy('created_at').orderBy('id').execute();
}

export async function insertRestrictionIdentifier(db: Executor, row: RestrictionIdentifierRow): Promise<void> {
  await db.insertInto('restriction_identifiers').values(row).execute();
}

export async function findRestrictionIdentifier(db: Executor, list: RestrictionList, identifier: string): Promise<RestrictionIdentifierRow | undefined> {
  return db.selectFrom('restriction_identifiers').selectAll().where('list', '=', list).where('identifier', '=', identifier).executeTakeFirst();
}

export async function deleteRestrictionIdentifier(db: Executor, list: RestrictionList, id: string): Promise<RestrictionIdentifierRow | undefined> {
  const row = await db.selectFrom('restriction_identifiers').selectAll().where('list', '=', list).where('id', '=', id).executeTakeFirst();
  if (row) await db.deleteFrom('restriction_identifiers').where('id', '=', id).execute();
  return row;
}

/** Whether any of `identifiers` is on `list`. */
export async function anyOnList(db: Executor, list: RestrictionList, identifiers: readonly string[]): Promise<boolean> {
  if (identifiers.length === 0) return false;
  const row = await db.selectFrom('restriction_identifiers').select('id').where('list', '=', list).where('identifier', 'in', identifiers).limit(1).executeTakeFirst();
  return row !== undefined;
}
