import type { Selectable, Updateable } from 'kysely';
import type { Executor } from '../db.js';
import type { SessionReverificationTable } from '../schema.js';

export type SessionReverificationRow = Selectable<SessionReverificationTable>;

/** Starts (or starts over) the session's reverification at `level`, in one statement, so two starts at once both succeed. */
export async function resetReverification(db: Executor, sessionId: string, level: string, now: number): Promise<SessionReverificationRow> {
  const row = { session_id: sessionId, level, first_factor_verification_id: null, second_factor_verification_id: null, created_at: now, updated_at: now };
  await db
    .insertInto('session_reverifications')
    .values(row)
    .onConflict((oc) => oc.column('session_id').doUpdateSet({ level, first_factor_verification_id: null, second_factor_verification_id: null, created_at: now, updated_at: now }))
    .execute();
  return row;
}

export async function findReverification(db: Executor, sessionId: string): Promise<SessionReverificationRow | undefined> {
  return db.selectFrom('session_reverifications').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
}

export async function updateReverification(db: Executor, sessionId: string, patch: Updateable<SessionReverificationTable>): Promise<void> {
  await db.updateTable('session_reverifications').set(patch).where('session_id', '=', sessionId).execute();
}
