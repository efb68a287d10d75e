import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Organizations' verified email domains and what they let people do: be suggested to join (and
 * ask to, with a membership request an admin answers) or be invited automatically. People's
 * profile images and phone numbers from the browser.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('organization_domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enrollment_mode', 'text', (c) => c.notNull())
    .addColumn('verification_status', 'text', (c) => c.notNull())
    .addColumn('verification_strategy', 'text')
    .addColumn('affiliation_email_address', 'text')
    // The code sent to the affiliation address, while one is pending.
    .addColumn('verification_id', 'text')
    .addColumn('verified_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('organization_domains_org_name_key', ['organization_id', 'name'])
    .execute();
  // A domain is verified for one organization at most, even under concurrent verifications.
  await sql`create unique index organization_domains_verified_key on organization_domains (name) where verification_status = 'verified'`.execute(db);

  await db.schema
    .createTable('organization_suggestions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('organization_suggestions_org_user_key', ['organization_id', 'user_id'])
    .execute();
  await db.schema.createIndex('organization_suggestions_user_idx').on('organization_suggestions').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('organization_membership_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organization_membership_requests_org_idx').on('organization_membership_requests').columns(['organization_id', 'created_at', 'id']).execute();
  // One open request per person and organization.
  await sql`create unique index organization_membership_requests_pending_key on organization_membership_requests (organization_id, user_id) where status = 'pending'`.execute(db);

  // A person's own profile image, stored like organization logos.
  await db.schema.alterTable('users').addColumn('image_id', 'text').execute();

  // Phone numbers from the browser: a code verifies one, the number a sign-up gives is kept, and
  // text messages wait in their own outbox (no provider yet: the development inbox shows them).
  await db.schema.alterTable('verifications').addColumn('phone_number_id', 'text').execute();
  await db.schema.createIndex('verifications_phone_number_idx').on('verifications').columns(['phone_number_id', 'client_id']).execute();
  await db.schema.alterTable('sign_ups').addColumn('phone_number', 'text').execute();
  await db.schema
    .createTable('sms_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('to_phone_number', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sms_outbox_created_idx').on('sms_outbox').columns(['created_at', 'id']).execute();
}
