import type { Selectable, Updateable } from 'kysely';
import type { Executor } from '../db.js';
import type { ExternalAccountTable, OAuthFlowTable, OAuthProviderTable } from '../schema.js';

export type OAuthProviderRow = Selectable<OAuthProviderTable>;
export type OAuthFlowRow = Selectable<OAuthFlowTable>;
export type ExternalAccountRow = Selectable<ExternalAccountTable>;

export async function listOAuthProviderRows(db: Executor): Promise<OAuthProviderRow[]> {
  return db.selectFrom('oauth_providers').selectAll().orderBy('strategy').execute();
}

export async function findOAuthProviderRow(db: Executor, strategy: string): Promise<OAuthProviderRow | undefined> {
  return db.selectFrom('oauth_providers').selectAll().where('strategy', '=', strategy).executeTakeFirst();
}

export async function insertOAuthProviderRow(db: Executor, row: OAuthProviderRow): Promise<void> {
  await db.insertInto('oauth_providers').values(row).execute();
}

export async function updateOAuthProviderRow(db: Executor, strategy: string, patch: Updateable<OAuthProviderTable>): Promise<boolean> {
  const result = await db.updateTable('oauth_providers').set(patch).where('strategy', '=', strategy).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteOAuthProviderRow(db: Executor, strategy: string): Promise<boolean> {
  const result = await db.deleteFrom('oauth_providers').where('strategy', '=', strategy).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function insertOAuthFlow(db: Executor, row: OAuthFlowRow): Promise<void> {
  await db.insertInto('oauth_flows').values(row).execute();
}

export async function findOAuthFlowByState(db: Executor, stateHash: string): Promise<OAuthFlowRow | undefined> {
  return db.selectFrom('oauth_flows').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
}

export async function findOAuthFlowByVerification(db: Executor, verificationId: string): Promise<OAuthFlowRow | undefined> {
  return db.selectFrom('oauth_flows').selectAll().where('verification_id', '=', verificationId).executeTakeFirst();
}

/** Consumes a flow, once: a replayed or racing callback finds it taken. */
export async function consumeOAuthFlow(db: Executor, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('oauth_flows').set({ consumed_at: now }).where('id', '=', id).where('consumed_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setOAuthFlowProfile(db: Executor, id: string, profile: string): Promise<void> {
  await db.updateTable('oauth_flows').set({ profile }).where('id', '=', id).execute();
}

export async function insertExternalAccount(db: Executor, row: ExternalAccountRow): Promise<void> {
  await db.insertInto('external_accounts').values(row).execute();
}

export async function findExternalAccount(db: Executor, provider: string, providerUserId: string): Promise<ExternalAccountRow | undefined> {
  return db.selectFrom('external_accounts').selectAll().where('provider', '=', provider).where('provider_user_id', '=', providerUserId).executeTakeFirst();
}

export async function findUserExternalAccount(db: Executor, userId: string, id: string): Promise<ExternalAccountRow | undefined> {
  return db.selectFrom('external_accounts').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

export async function updateExternalAccount(db: Executor, id: string, patch: Updateable<ExternalAccountTable>): Promise<void> {
  await db.updateTable('external_accounts').set(patch).where('id', '=', id).execute();
}

export async function deleteExternalAccount(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('external_accounts').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function hasOtherExternalAccount(db: Executor, userId: string, exceptId: string): Promise<boolean> {
  const row = await db.selectFrom('external_accounts').select('id').where('user_id', '=', userId).where('id', '!=', exceptId).limit(1).executeTakeFirst();
  return row !== undefined;
}
