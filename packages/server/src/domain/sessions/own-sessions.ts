import { notFound } from '../../errors.js';
import { findSessionRowById, listActiveSessionRowsOfUser } from '../../store/repositories/session-repository.js';
import type { DomainContext } from '../context.js';
import { loadUsersMemberships } from '../organizations/memberships.js';
import { getUser } from '../users/get-user.js';
import { tokenlessBrowserSession, type BrowserSession } from './browser-clients.js';
import { describeActivity, type SessionActivity } from './session-activity.js';
import { effectiveStatus, revokeSession, type Session } from './sessions.js';

/** One of a person's signed-in devices: the session, without its token, and where it was last used from. */
export interface OwnSession {
  session: BrowserSession;
  activity: SessionActivity;
}

/** The user's active sessions on every client, newest first, as the account page lists devices. */
export async function listOwnSessions(ctx: DomainContext, userId: string): Promise<OwnSession[]> {
  const [rows, user, memberships] = await Promise.all([listActiveSessionRowsOfUser(ctx.store.db, userId), getUser(ctx, userId), loadUsersMemberships(ctx, [userId])]);
  const now = ctx.now();
  return rows
    .filter((row) => effectiveStatus(row, now) === 'active')
    .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1))
    .map((row) => ({ session: tokenlessBrowserSession(row, user, memberships.get(userId) ?? [], now), activity: describeActivity(row) }));
}

/** Signs one of the user's own devices out: its next refresh fails. Another user's session is as good as absent. */
export async function revokeOwnSession(ctx: DomainContext, userId: string, sessionId: string): Promise<Session> {
  const row = await findSessionRowById(ctx.store.db, sessionId);
  if (!row || row.user_id !== userId) throw notFound();
  return revokeSession(ctx, sessionId);
}
