import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * The Frontend API's state: the instance settings browsers read, sign-in and sign-up attempts
 * (each bound to the client that started it), and the verifications they go through (a code or
 * link is kept only as a hash).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('instance_settings')
    .addColumn('singleton', 'integer', (c) => c.primaryKey().check(sqlSingleton()))
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('verifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('email_address_id', 'text')
    .addColumn('expire_at', 'bigint')
    .addColumn('verified_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('verifications_secret_idx').on('verifications').column('secret_hash').execute();

  await db.schema
    .createTable('sign_ins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('identifier', 'text')
    .addColumn('email_address_id', 'text')
    .addColumn('first_factor_verification_id', 'text')
    .addColumn('created_session_id', 'text')
    .addColumn('abandon_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sign_ups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('email_address', 'text')
    .addColumn('username', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('password_digest', 'text')
    .addColumn('password_hasher', 'text')
    .addColumn('unsafe_metadata', 'text', (c) => c.notNull())
    .addColumn('legal_accepted_at', 'bigint')
    .addColumn('email_verification_id', 'text')
    .addColumn('created_user_id', 'text')
    .addColumn('created_session_id', 'text')
    .addColumn('abandon_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // A handshake's cookies, kept for the app's server to collect once by nonce (Backend API
  // `GET /v1/clients/handshake_payload`); the nonce is stored as a hash.
  await db.schema
    .createTable('handshake_payloads')
    .addColumn('nonce_hash', 'text', (c) => c.primaryKey())
    .addColumn('directives', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // The attempt in progress on each client, as Clerk's client object names it.
  await db.schema.alterTable('clients').addColumn('sign_in_id', 'text').execute();
  await db.schema.alterTable('clients').addColumn('sign_up_id', 'text').execute();
}

function sqlSingleton() {
  return sql`singleton = 1`;
}
