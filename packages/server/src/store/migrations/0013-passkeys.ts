import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Passkeys (WebAuthn credentials). A registration starts as a row with only a challenge (kept as a
 * hash, good for ten minutes and once); the browser's answer fills in the credential: its id
 * (unique across users, so a credential belongs to one account), public key, sign counter and
 * transports.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('credential_id', 'text', (c) => c.unique())
    .addColumn('public_key', 'text')
    .addColumn('sign_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text')
    .addColumn('challenge_hash', 'text')
    .addColumn('challenge_expires_at', 'bigint')
    .addColumn('verified_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('passkeys_user_idx').on('passkeys').columns(['user_id', 'created_at']).execute();
}
