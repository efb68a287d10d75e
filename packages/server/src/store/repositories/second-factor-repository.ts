import type { Selectable } from 'kysely';
import type { Executor } from '../db.js';
import type { BackupCodeTable, TotpTable } from '../schema.js';

export type TotpRow = Selectable<TotpTable>;

export async function findTotpRow(db: Executor, userId: string): Promise<TotpRow | undefined> {
  return db.selectFrom('totps').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** A new enrollment replaces one that was never confirmed; a confirmed one is kept (the caller checks first). */
export async function replacePendingTotp(db: Executor, row: TotpRow): Promise<void> {
  await db.deleteFrom('totps').where('user_id', '=', row.user_id).where('verified_at', 'is', null).execute();
  await db.insertInto('totps').values(row).execute();
}

export async function deleteTotp(db: Executor, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('totps').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Claims time step `step` for the user's TOTP: true only if no code of that step or a later one
 * was used before, so of two requests with the same code exactly one wins. Confirming an
 * enrollment (`confirm`) sets it verified in the same write.
 */
export async function claimTotpStep(db: Executor, totpId: string, step: number, now: number, confirm: boolean): Promise<boolean> {
  const result = await db
    .updateTable('totps')
    .set({ last_used_step: step, updated_at: now, ...(confirm ? { verified_at: now } : {}) })
    .where('id', '=', totpId)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .where('verified_at', confirm ? 'is' : 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function replaceBackupCodes(db: Executor, userId: string, rows: Selectable<BackupCodeTable>[]): Promise<void> {
  await db.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
  if (rows.length > 0) await db.insertInto('backup_codes').values(rows).execute();
}

export async function deleteBackupCodes(db: Executor, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('backup_codes').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Marks one unused code used; false when there is no such code or it was used already (also by a racing request). */
export async function consumeBackupCode(db: Executor, userId: string, digest: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('backup_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_digest', '=', digest)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedBackupCodes(db: Executor, userId: string): Promise<number> {
  const row = await db.selectFrom('backup_codes').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Which second factors the user has, read from the factors themselves. */
export async function readSecondFactors(db: Executor, userId: string): Promise<{ totp: boolean; backupCodes: boolean }> {
  const [totp, code] = await Promise.all([
    db.selectFrom('totps').select('id').where('user_id', '=', userId).where('verified_at', 'is not', null).executeTakeFirst(),
    db.selectFrom('backup_codes').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst(),
  ]);
  return { totp: totp !== undefined, backupCodes: code !== undefined };
}
