import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Step-up verification of a signed-in session (Clerk's session reverification): the level asked
 * for and the factors verified for it so far, one in progress per session. What it proves lands on
 * the session itself (`first_factor_verified_at`, `second_factor_verified_at`, the token's `fva`).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('session_reverifications')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('first_factor_verification_id', 'text')
    .addColumn('second_factor_verification_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
