import type { Selectable } from 'kysely';
import type { Executor } from '../db.js';
import { preparedQuery } from '../prepared-query.js';
import type { SecretKeyTable } from '../schema.js';

export type SecretKeyRow = Selectable<SecretKeyTable>;

export async function insertSecretKey(db: Executor, row: SecretKeyRow): Promise<void> {
  await db.insertInto('secret_keys').values(row).execute();
}

export async function listSecretKeyRows(db: Executor): Promise<SecretKeyRow[]> {
  return db.selectFrom('secret_keys').selectAll().orderBy('created_at').orderBy('id').execute();
}

/** Revokes an active key; the key as it now stands, or undefined when no active key has that id. */
export async function revokeSecretKeyRow(db: Executor, id: string, now: number): Promise<SecretKeyRow | undefined> {
  const result = await db.updateTable('secret_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  return db.selectFrom('secret_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

// Every Backend API request runs this, unless the key cache answers.
const activeKeyByHashQuery = preparedQuery(
  (db, keyHash: string) => db.selectFrom('secret_keys').select(['id', 'key_hash', 'last_used_at']).where('key_hash', '=', keyHash).where('revoked_at', 'is', null),
  1,
);

export async function findActiveKeyByHash(db: Executor, keyHash: string): Promise<Pick<SecretKeyRow, 'id' | 'last_used_at'> | undefined> {
  const [row] = await activeKeyByHashQuery(db, keyHash);
  return row;
}

export async function recordSecretKeyUse(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('secret_keys').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function readInstanceId(db: Executor): Promise<string | undefined> {
  return (await db.selectFrom('instance').select('id').executeTakeFirst())?.id;
}

/** Creates the instance row unless another process did first; true when this call created it. */
export async function insertInstanceOnce(db: Executor, id: string, now: number): Promise<boolean> {
  const inserted = await db
    .insertInto('instance')
    .values({ singleton: 1, id, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
}
