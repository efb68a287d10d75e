import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Second factors: an authenticator app's TOTP secret (sealed with the instance key, with the last
 * time step used so a code is good once) and backup codes (kept as hashes, each good once). The
 * user row carries which of them are on, written with them, so reading a user needs no join.
 * A sign-in remembers its second factor, a password reset done before it, and the organization
 * invitation a ticket sign-in accepts once the second factor is in. Where everyone must have two-step
 * verification, a session of someone without it starts with a task to set it up.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('totps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint')
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('backup_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_digest', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('backup_codes_user_digest_key', ['user_id', 'code_digest'])
    .execute();

  await db.schema.alterTable('users').addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('backup_code_enabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema.alterTable('sign_ins').addColumn('second_factor_verification_id', 'text').execute();
  await db.schema.alterTable('sign_ins').addColumn('password_reset_at', 'bigint').execute();
  await db.schema.alterTable('sign_ins').addColumn('organization_invitation_id', 'text').execute();

  // A session whose person must first do something (enroll a second factor) before apps let them in.
  await db.schema.alterTable('sessions').addColumn('pending_task', 'text').execute();
}
