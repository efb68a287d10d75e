import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Social sign-in. `oauth_providers`: what the operator configured per strategy (`oauth_google`,
 * `oauth_custom_<key>`), the client secret sealed with the instance key. `oauth_flows`: one
 * redirect to a provider, found again by the hash of its `state`, with its PKCE verifier (sealed)
 * and nonce; it is consumed once, and keeps what the provider said for the step after it (a
 * sign-up continuing a sign-in). `external_accounts`: a user's accounts at providers, unique per
 * provider and subject — never matched by email alone.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('oauth_providers')
    .addColumn('strategy', 'text', (c) => c.primaryKey())
    .addColumn('preset', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('issuer', 'text')
    .addColumn('authorization_endpoint', 'text')
    .addColumn('token_endpoint', 'text')
    .addColumn('userinfo_endpoint', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth_flows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('intent', 'text', (c) => c.notNull())
    .addColumn('verification_id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text')
    .addColumn('code_verifier_sealed', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('redirect_url', 'text', (c) => c.notNull())
    .addColumn('action_complete_redirect_url', 'text')
    .addColumn('profile', 'text')
    .addColumn('expire_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('external_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_user_id', 'text', (c) => c.notNull())
    .addColumn('email_address', 'text', (c) => c.notNull())
    .addColumn('email_address_verified', 'integer', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('image_url', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('approved_scopes', 'text', (c) => c.notNull())
    .addColumn('tokens_sealed', 'text')
    .addColumn('access_token_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('external_accounts_provider_subject', ['provider', 'provider_user_id'])
    .execute();
  await db.schema.createIndex('external_accounts_user_idx').on('external_accounts').columns(['user_id', 'created_at']).execute();

  // An OAuth verification can end `transferable` (the account is on the other side: sign-up or
  // sign-in) or failed with the provider's refusal; the code says which.
  await db.schema.alterTable('verifications').addColumn('error_code', 'text').execute();
  await db.schema.alterTable('sign_ups').addColumn('external_verification_id', 'text').execute();
}
