import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

// Migrations see an untyped database: they describe the schema as it was when they were written,
// not as `Database` says it is today.
type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('instance')
    // One row per database: the constant key lets concurrent first starts race safely.
    .addColumn('singleton', 'integer', (c) => c.primaryKey().check(sql`singleton = 1`))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('secret_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text')
    .addColumn('username', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('locale', 'text')
    .addColumn('primary_email_address_id', 'text')
    .addColumn('primary_phone_number_id', 'text')
    .addColumn('password_digest', 'text')
    .addColumn('password_hasher', 'text')
    .addColumn('password_updated_at', 'bigint')
    .addColumn('password_compromised_at', 'bigint')
    .addColumn('public_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('private_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('unsafe_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('banned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'bigint')
    .addColumn('failed_verification_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sign_in_at', 'bigint')
    .addColumn('last_active_at', 'bigint')
    .addColumn('legal_accepted_at', 'bigint')
    .addColumn('mfa_enabled_at', 'bigint')
    .addColumn('mfa_disabled_at', 'bigint')
    .addColumn('delete_self_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('create_organization_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('create_organizations_limit', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_external_id_key').unique().on('users').column('external_id').execute();
  await db.schema.createIndex('users_username_key').unique().on('users').column('username').execute();
  await db.schema.createIndex('users_created_at_idx').on('users').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('users_updated_at_idx').on('users').columns(['updated_at', 'id']).execute();
  await db.schema.createIndex('users_last_active_at_idx').on('users').columns(['last_active_at', 'id']).execute();
  await db.schema.createIndex('users_last_sign_in_at_idx').on('users').columns(['last_sign_in_at', 'id']).execute();
  await db.schema.createIndex('users_first_name_idx').on('users').columns(['first_name', 'id']).execute();
  await db.schema.createIndex('users_last_name_idx').on('users').columns(['last_name', 'id']).execute();

  await db.schema
    .createTable('email_addresses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email_address', 'text', (c) => c.notNull())
    .addColumn('verification_status', 'text')
    .addColumn('verification_strategy', 'text')
    .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_addresses_email_address_key').unique().on('email_addresses').column('email_address').execute();
  await db.schema.createIndex('email_addresses_user_id_idx').on('email_addresses').column('user_id').execute();

  await db.schema
    .createTable('phone_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('phone_number', 'text', (c) => c.notNull())
    .addColumn('verification_status', 'text')
    .addColumn('verification_strategy', 'text')
    .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reserved_for_second_factor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('default_second_factor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('phone_numbers_phone_number_key').unique().on('phone_numbers').column('phone_number').execute();
  await db.schema.createIndex('phone_numbers_user_id_idx').on('phone_numbers').column('user_id').execute();

  await createUserSearch(db, dialect);
}

/**
 * Substring search over ~all identifying text of a user. PostgreSQL: a pg_trgm GIN index serves
 * `LIKE '%term%'`. SQLite: an FTS5 trigram index (external content over `user_search`, keyed by
 * its INTEGER PRIMARY KEY so VACUUM cannot renumber it) serves `GLOB '*term*'`.
 */
async function createUserSearch(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`create table user_search (
      seq bigint generated by default as identity primary key,
      user_id text not null unique references users(id) on delete cascade,
      search_text text not null
    )`.execute(db);
    await sql`create index user_search_trgm_idx on user_search using gin (search_text gin_trgm_ops)`.execute(db);
    return;
  }
  await sql`create table user_search (
    seq integer primary key,
    user_id text not null unique references users(id) on delete cascade,
    search_text text not null
  )`.execute(db);
  await sql`create virtual table user_search_fts using fts5(
    search_text, content='user_search', content_rowid='seq', tokenize='trigram'
  )`.execute(db);
  await sql`create trigger user_search_ai after insert on user_search begin
    insert into user_search_fts(rowid, search_text) values (new.seq, new.search_text);
  end`.execute(db);
  await sql`create trigger user_search_ad after delete on user_search begin
    insert into user_search_fts(user_search_fts, rowid, search_text) values ('delete', old.seq, old.search_text);
  end`.execute(db);
  await sql`create trigger user_search_au after update on user_search begin
    insert into user_search_fts(user_search_fts, rowid, search_text) values ('delete', old.seq, old.search_text);
    insert into user_search_fts(rowid, search_text) values (new.seq, new.search_text);
  end`.execute(db);
}
