import type { Selectable, Updateable } from 'kysely';
import type { Executor } from '../db.js';
import type { PasskeyTable } from '../schema.js';

export type PasskeyRow = Selectable<PasskeyTable>;

export async function insertPasskey(db: Executor, row: PasskeyRow): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
}

export async function findPasskey(db: Executor, id: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The registered passkey with this credential id, whoever owns it. */
export async function findPasskeyByCredential(db: Executor, credentialId: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).where('verified_at', 'is not', null).executeTakeFirst();
}

export async function listRegisteredPasskeys(db: Executor, userId: string): Promise<PasskeyRow[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).where('verified_at', 'is not', null).orderBy('created_at').orderBy('id').execute();
}

/**
 * Fills in a pending registration, once: only while its challenge is still the one answered and
 * it is not registered yet, so a replayed answer finds nothing to complete.
 */
export async function completePasskeyRegistration(db: Executor, id: string, challengeHash: string, patch: Updateable<PasskeyTable>): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ ...patch, challenge_hash: null, challenge_expires_at: null })
    .where('id', '=', id)
    .where('challenge_hash', '=', challengeHash)
    .where('verified_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records a use with the authenticator's new counter, only if no other use moved the counter meanwhile. */
export async function recordPasskeyUse(db: Executor, id: string, previousCount: number, nextCount: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ sign_count: nextCount, last_used_at: now, updated_at: now })
    .where('id', '=', id)
    .where('sign_count', '=', previousCount)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function renamePasskeyRow(db: Executor, id: string, name: string, now: number): Promise<void> {
  await db.updateTable('passkeys').set({ name, updated_at: now }).where('id', '=', id).execute();
}

export async function deletePasskeyRow(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('passkeys').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Drops the user's registrations that were never answered and can no longer be. */
export async function deleteLapsedRegistrations(db: Executor, userId: string, now: number): Promise<void> {
  await db.deleteFrom('passkeys').where('user_id', '=', userId).where('verified_at', 'is', null).where('challenge_expires_at', '<=', now).execute();
}
