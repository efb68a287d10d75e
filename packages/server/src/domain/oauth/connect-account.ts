import { GatehouseError, notFound } from '../../errors.js';
import { findVerificationRows, settleVerification } from '../../store/repositories/attempt-repository.js';
import { findExternalAccount, findUserExternalAccount } from '../../store/repositories/oauth-repository.js';
import type { DomainContext } from '../context.js';
import type { SignedIn } from '../sessions/signed-in.js';
import { toVerification, type Verification } from '../verifications/verifications.js';
import { linkExternalAccount, refreshExternalAccount, toExternalAccount, type ExternalAccount } from './external-accounts.js';
import { prepareOAuthFlow, recordOAuthFlow, type CallbackOutcome } from './oauth-flows.js';

/** A connection on its way to the provider: what `POST /me/external_accounts` answers. */
export interface PendingConnection {
  id: string;
  strategy: string;
  verification: Verification;
  createdAt: number;
}

/**
 * Connects a provider account to the signed-in person from their profile: the flow is theirs
 * alone, and the account the provider names is linked by its subject (whatever its address), unless
 * it is connected to someone else.
 */
export async function startConnection(ctx: DomainContext, me: SignedIn, input: { strategy: string; redirectUrl: string | undefined; additionalScopes?: string[] | undefined }): Promise<PendingConnection> {
  const pending = await prepareOAuthFlow(ctx, { strategy: input.strategy, redirectUrl: input.redirectUrl, additionalScopes: input.additionalScopes });
  const now = ctx.now();
  const verification = await ctx.store.transaction((trx) => recordOAuthFlow(ctx, trx, pending, { clientId: me.clientId, intent: 'connect', userId: me.userId }, now));
  return { id: verification.id, strategy: pending.strategy, verification: { ...toVerification(verification, now), externalVerificationRedirectUrl: pending.authorizeUrl }, createdAt: now };
}

/**
 * Asks the provider again for an account already connected, with more scopes: the same flow as a
 * connection, whose callback refreshes the account (same subject) with the scopes now granted.
 */
export async function startReauthorization(
  ctx: DomainContext,
  me: SignedIn,
  id: string,
  input: { redirectUrl: string | undefined; additionalScopes?: string[] | undefined },
): Promise<{ account: ExternalAccount; verification: Verification }> {
  const row = await findUserExternalAccount(ctx.store.db, me.userId, id);
  if (!row) throw notFound();
  const scopes = [...row.approved_scopes.split(' ').filter(Boolean), ...(input.additionalScopes ?? [])];
  const pending = await startConnection(ctx, me, { strategy: row.provider, redirectUrl: input.redirectUrl, additionalScopes: scopes });
  return { account: toExternalAccount(row), verification: pending.verification };
}

/** The callback of a connection: linked, refreshed if it was theirs already, refused if it is someone else's. */
export async function finishOAuthConnect(ctx: DomainContext, outcome: CallbackOutcome): Promise<void> {
  const userId = outcome.flow.user_id;
  if (!outcome.profile || !userId) return;
  const { flow, profile } = outcome;
  const [pending] = await findVerificationRows(ctx.store.db, [flow.verification_id]);
  if (!pending) return;
  const now = ctx.now();
  const existing = await findExternalAccount(ctx.store.db, flow.strategy, profile.subject);
  if (existing && existing.user_id !== userId) {
    await settleVerification(ctx.store.db, pending.id, 'failed', 'external_account_exists', now);
    return;
  }
  try {
    await ctx.store.transaction(async (trx) => {
      if (!(await settleVerification(trx, pending.id, 'verified', null, now))) return;
      if (existing) await refreshExternalAccount(ctx, trx, existing, profile, now);
      else await linkExternalAccount(ctx, trx, userId, flow.strategy, profile, now);
    });
  } catch (error) {
    if (!(error instanceof GatehouseError)) throw error;
    await settleVerification(ctx.store.db, pending.id, 'failed', error.code, ctx.now());
  }
}
