import { newId } from '../../crypto/ids.js';
import { seal } from '../../crypto/secret-box.js';
import { GatehouseError, notFound } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { findVerifiedEmailOwner } from '../../store/repositories/attempt-repository.js';
import { anyEmailAddressTaken } from '../../store/repositories/identification-repository.js';
import {
  deleteExternalAccount,
  findExternalAccount,
  findUserExternalAccount,
  insertExternalAccount,
  updateExternalAccount,
  type ExternalAccountRow,
} from '../../store/repositories/oauth-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { recordUserChange, userPayload } from '../users/user-events.js';
import { assertSignInRemains } from '../users/sign-in-means.js';
import type { InstanceSettings } from '../settings/instance-settings.js';
import { lockUserRow } from '../../store/repositories/user-repository.js';
import type { ProviderProfile } from './oauth-client.js';

/** A user's account at a social provider, as the user object lists it. */
export interface ExternalAccount {
  id: string;
  /** The strategy it signs in with (`oauth_google`). */
  provider: string;
  providerUserId: string;
  emailAddress: string;
  emailAddressVerified: boolean;
  firstName: string;
  lastName: string;
  imageUrl: string;
  username: string | null;
  approvedScopes: string;
  createdAt: number;
  updatedAt: number;
}

export function toExternalAccount(row: ExternalAccountRow): ExternalAccount {
  return {
    id: row.id,
    provider: row.provider,
    providerUserId: row.provider_user_id,
    emailAddress: row.email_address,
    emailAddressVerified: row.email_address_verified === 1,
    firstName: row.first_name,
    lastName: row.last_name,
    imageUrl: row.image_url,
    username: row.username,
    approvedScopes: row.approved_scopes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Who a provider's answer belongs to. An account already connected names its user; otherwise an
 * address the provider verified finds the user who verified the same address (linking is safe:
 * both sides proved it). An address the provider did not verify finds nobody, and if somebody
 * holds it, that is a conflict, never a takeover.
 */
export type ProfileOwner =
  | { kind: 'connected'; userId: string; account: ExternalAccountRow }
  | { kind: 'same_email'; userId: string }
  | { kind: 'conflict' }
  | { kind: 'nobody' };

export async function ownerOfProfile(db: Executor, strategy: string, profile: ProviderProfile): Promise<ProfileOwner> {
  const account = await findExternalAccount(db, strategy, profile.subject);
  if (account) return { kind: 'connected', userId: account.user_id, account };
  if (!profile.email) return { kind: 'nobody' };
  if (profile.emailVerified) {
    const owner = await findVerifiedEmailOwner(db, profile.email);
    if (owner) return { kind: 'same_email', userId: owner.userId };
  }
  return (await anyEmailAddressTaken(db, [profile.email])) ? { kind: 'conflict' } : { kind: 'nobody' };
}

function sealedTokens(ctx: DomainContext, id: string, profile: ProviderProfile): string {
  return seal(JSON.stringify(profile.tokens), ctx.encryptionKey, `external_account:${id}`);
}

function profileColumns(profile: ProviderProfile) {
  return {
    email_address: profile.email ?? '',
    email_address_verified: profile.emailVerified ? (1 as const) : (0 as const),
    first_name: profile.firstName,
    last_name: profile.lastName,
    image_url: profile.imageUrl,
    username: profile.username,
    approved_scopes: profile.approvedScopes,
    access_token_expires_at: profile.tokens.expiresAt,
  };
}

/** The account's row for a user being created with it (written with the user). */
export function newExternalAccountRow(ctx: DomainContext, userId: string, strategy: string, profile: ProviderProfile, now: number): ExternalAccountRow {
  const id = newId('eac', now);
  return { id, user_id: userId, provider: strategy, provider_user_id: profile.subject, ...profileColumns(profile), tokens_sealed: sealedTokens(ctx, id, profile), created_at: now, updated_at: now };
}

/** Connects a provider account to an existing user, with `user.updated` and the security event. */
export async function linkExternalAccount(ctx: DomainContext, trx: Executor, userId: string, strategy: string, profile: ProviderProfile, now: number): Promise<ExternalAccountRow> {
  const before = await userPayload(ctx, trx, userId);
  const row = newExternalAccountRow(ctx, userId, strategy, profile, now);
  try {
    await insertExternalAccount(trx, row);
  } catch (error) {
    // Connected to someone meanwhile: the unique (provider, subject) index decides, once.
    if (await findExternalAccount(trx, strategy, profile.subject)) throw new GatehouseError('external_account_exists');
    throw error;
  }
  await recordExternalAccountEvent(ctx, trx, 'user.external_account_linked', row, now);
  await recordUserChange(ctx, trx, userId, 'user.updated', before);
  return row;
}

export async function recordExternalAccountEvent(ctx: DomainContext, trx: Executor, type: 'user.external_account_linked' | 'user.external_account_unlinked', row: ExternalAccountRow, now: number): Promise<void> {
  const change = { userId: row.user_id, provider: row.provider, externalAccountId: row.id, providerUserId: row.provider_user_id };
  await appendEvent(trx, { type, data: eventData(type, change), subjectUserId: row.user_id }, now);
}

/** A sign-in through a connected account refreshes what the provider says and the tokens it gave. */
export async function refreshExternalAccount(ctx: DomainContext, trx: Executor, account: ExternalAccountRow, profile: ProviderProfile, now: number): Promise<void> {
  await updateExternalAccount(trx, account.id, { ...profileColumns(profile), tokens_sealed: sealedTokens(ctx, account.id, profile), updated_at: now });
}

/**
 * Disconnects an account. From the browser, `keepSignIn` refuses removing the last way in; it runs
 * under the user's row lock, so two removals at once cannot each leave the other as the last one.
 */
export async function unlinkExternalAccount(ctx: DomainContext, userId: string, id: string, options: { keepSignIn?: InstanceSettings } = {}): Promise<ExternalAccount> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    const row = user ? await findUserExternalAccount(trx, userId, id) : undefined;
    if (!user || !row) throw notFound();
    if (options.keepSignIn) await assertSignInRemains(trx, options.keepSignIn, user, { externalAccountId: id });
    const before = await userPayload(ctx, trx, userId);
    if (!(await deleteExternalAccount(trx, userId, id))) throw notFound();
    await recordExternalAccountEvent(ctx, trx, 'user.external_account_unlinked', row, now);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
    return toExternalAccount(row);
  });
}
