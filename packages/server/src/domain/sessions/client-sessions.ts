import { GatehouseError, notFound } from '../../errors.js';
import { updateClientRow } from '../../store/repositories/attempt-repository.js';
import { findSessionRowById, touchSessionRow, type SessionRow } from '../../store/repositories/session-repository.js';
import type { DomainContext } from '../context.js';
import { requestActivity } from './session-activity.js';
import { mintSessionToken, type MintedToken } from './session-token.js';
import { requireOrganizationMember } from '../organizations/member-access.js';
import { abandonAtFor, effectiveStatus, endClientSessions, getSession, type Session } from './sessions.js';
import { mintTemplateToken } from './template-token.js';

/** What a browser does with the sessions its client holds: only its own, never another client's. */

async function ownSession(ctx: DomainContext, clientId: string, sessionId: string): Promise<SessionRow> {
  const row = await findSessionRowById(ctx.store.db, sessionId);
  if (!row || row.client_id !== clientId) throw notFound();
  return row;
}

/**
 * Marks the session in use and makes it the client's active one; with `activeOrganizationId`
 * (empty for none) it switches the organization the next token carries. The user must belong to it.
 */
export async function touchSession(ctx: DomainContext, clientId: string, sessionId: string, input: { activeOrganizationId?: string | null }): Promise<Session> {
  const row = await ownSession(ctx, clientId, sessionId);
  const now = ctx.now();
  const status = effectiveStatus(row, now);
  if (status !== 'active') throw new GatehouseError('session_not_active', { meta: { status } });
  const named = input.activeOrganizationId === undefined ? undefined : input.activeOrganizationId || null;
  // clerk-js names the organization by id; a slug resolves to the same id.
  const organizationId = named ? (await requireOrganizationMember(ctx.store.db, row.user_id, named)).organizationId : named;
  await ctx.store.transaction(async (trx) => {
    await touchSessionRow(trx, sessionId, { lastActiveAt: now, abandonAt: abandonAtFor(ctx, now, row.expire_at), activeOrganizationId: organizationId, activity: requestActivity() });
    await updateClientRow(trx, clientId, { last_active_session_id: sessionId, updated_at: now });
  });
  return getSession(ctx, sessionId);
}

/**
 * A session token (or a template's) for one of the client's sessions. This is every browser tab's
 * refresh, about once a minute: the session token checks ownership on the subject it is minted
 * from (usually cached), with no read of its own.
 */
export async function mintClientSessionToken(ctx: DomainContext, clientId: string, sessionId: string, input: { template?: string; origin?: string }): Promise<MintedToken> {
  const options = input.origin ? { origin: input.origin } : {};
  if (!input.template) return mintSessionToken(ctx, sessionId, { ...options, clientId });
  await ownSession(ctx, clientId, sessionId);
  return mintTemplateToken(ctx, sessionId, input.template, options);
}

/** Ends (`end`) or removes (`remove`) one of the client's sessions. */
export async function endClientSession(ctx: DomainContext, clientId: string, sessionId: string, status: 'ended' | 'removed'): Promise<Session> {
  await ownSession(ctx, clientId, sessionId);
  await endClientSessions(ctx, clientId, status, [sessionId]);
  return getSession(ctx, sessionId);
}

/** Signs the browser out: every session of the client ends. */
export async function signOutClient(ctx: DomainContext, clientId: string): Promise<void> {
  await endClientSessions(ctx, clientId, 'ended');
  await updateClientRow(ctx.store.db, clientId, { last_active_session_id: null, sign_in_id: null, sign_up_id: null, updated_at: ctx.now() });
}
