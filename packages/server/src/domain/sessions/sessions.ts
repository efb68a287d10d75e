import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { findMembershipRow } from '../../store/repositories/membership-repository.js';
import {
  endActiveSessionRow,
  findSessionRowById,
  insertSession,
  listClientSessionRows,
  listActiveSessionRowsOfUser,
  listSessionRows,
  type SessionRow,
} from '../../store/repositories/session-repository.js';
import type { SessionStatus } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData, type EventSubject } from '../events/catalog.js';
import { loadUserRecord, readUserRestrictions, type UserRecord } from '../../store/repositories/user-repository.js';
import { insertClient, updateClientRow } from '../../store/repositories/attempt-repository.js';
import { toUser } from '../users/to-user.js';
import { requestActivity } from './session-activity.js';
import type { Page } from '../page.js';
import { hasSecondFactor } from '../mfa/second-factors.js';
import { readInstanceSettingsIn } from '../settings/instance-settings.js';

/** Clerk's session task for someone who must enroll a second factor before using the app. */
export const SETUP_MFA_TASK = 'setup-mfa';

export type { SessionRow };

export interface Session {
  id: string;
  clientId: string;
  userId: string;
  status: SessionStatus;
  lastActiveOrganizationId: string | null;
  actor: Record<string, unknown> | null;
  firstFactorVerifiedAt: number | null;
  secondFactorVerifiedAt: number | null;
  /** What the person must do before apps let them in (`setup-mfa`); the browser sees the session as `pending`. */
  pendingTask: string | null;
  lastActiveAt: number;
  expireAt: number;
  abandonAt: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * A stored `active` session past its maximum lifetime reads as `expired`, and one idle past the
 * inactivity timeout as `abandoned`: no sweeper is needed for a dead session to stay dead.
 */
export function effectiveStatus(row: SessionRow, now: number): SessionStatus {
  if (row.status !== 'active') return row.status;
  if (now >= row.expire_at) return 'expired';
  if (now >= row.abandon_at) return 'abandoned';
  return 'active';
}

export function toSession(row: SessionRow, now: number): Session {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    status: effectiveStatus(row, now),
    lastActiveOrganizationId: row.last_active_organization_id,
    actor: row.actor ? (JSON.parse(row.actor) as Record<string, unknown>) : null,
    firstFactorVerifiedAt: row.first_factor_verified_at,
    secondFactorVerifiedAt: row.second_factor_verified_at,
    pendingTask: row.pending_task,
    lastActiveAt: row.last_active_at,
    expireAt: row.expire_at,
    abandonAt: row.abandon_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The request's address and user agent, as a session's columns keep them. */
function activityColumns(): Pick<SessionRow, 'activity_ip' | 'activity_user_agent'> {
  const { ip, userAgent } = requestActivity();
  return { activity_ip: ip, activity_user_agent: userAgent };
}

/** When an idle session is abandoned: never later than its maximum lifetime. */
export function abandonAtFor(ctx: DomainContext, lastActiveAt: number, expireAt: number): number {
  const timeout = ctx.policy.sessions.inactivityTimeoutSeconds;
  return timeout > 0 ? Math.min(expireAt, lastActiveAt + timeout * 1000) : expireAt;
}

/** A session webhook is about the session with its user embedded, as Clerk sends it. */
async function sessionSubject(ctx: DomainContext, db: Executor, session: Session, known?: UserRecord): Promise<EventSubject<'session.created'>> {
  const record = known ?? (await loadUserRecord(db, session.userId));
  return { session, user: record ? toUser(record, ctx) : undefined };
}

export async function findSessionRow(db: Executor, sessionId: string): Promise<SessionRow> {
  const row = await findSessionRowById(db, sessionId);
  if (!row) throw notFound();
  return row;
}

export async function getSession(ctx: DomainContext, sessionId: string): Promise<Session> {
  return toSession(await findSessionRow(ctx.store.db, sessionId), ctx.now());
}

export async function assertMember(db: Executor, userId: string, organizationId: string, param: string): Promise<void> {
  if (!(await findMembershipRow(db, organizationId, userId))) throw paramError('form_param_value_invalid', param, `The user is not a member of organization ${organizationId}.`);
}

/**
 * A server-side session (`POST /v1/sessions`): a fresh client holding one active session, as a
 * completed sign-in would leave it. Refused for banned or locked users.
 */
export async function createSession(
  ctx: DomainContext,
  input: { userId: string; activeOrganizationId?: string | null },
): Promise<Session> {
  const now = ctx.now();
  const sessionId = await ctx.store.transaction(async (trx) => {
    const user = await readUserRestrictions(trx, input.userId);
    if (!user) throw paramError('form_param_value_invalid', 'user_id', 'user_id must be the id of an existing user.');
    const clientId = newId('client', now);
    await insertClient(trx, { id: clientId, rotating_token_hash: null, last_active_session_id: null, sign_in_id: null, sign_up_id: null, created_at: now, updated_at: now });
    return startClientSession(ctx, trx, { clientId, userId: input.userId, activeOrganizationId: input.activeOrganizationId ?? null }, now);
  });
  return getSession(ctx, sessionId);
}

/**
 * A new active session for a user on an existing client, as a completed sign-in or sign-up or a
 * server-side session leaves it, in the caller's transaction; the client's active session becomes
 * it. Refused for banned or locked users. `user`, when the caller has read it, is what the
 * `session.created` payload embeds.
 */
export async function startClientSession(
  ctx: DomainContext,
  trx: Executor,
  input: {
    clientId: string;
    userId: string;
    activeOrganizationId?: string | null;
    sessionId?: string;
    user?: UserRecord;
    /** The attempt that led here, dropped from the client in the same write. */
    finished?: { sign_in_id: null } | { sign_up_id: null };
    /** When the first and second factor were verified (the token's `fva`); the first defaults to now. */
    factorsVerifiedAt?: { first: number; second: number | null };
  },
  now: number,
): Promise<string> {
  const user = await readUserRestrictions(trx, input.userId);
  if (!user) throw notFound();
  const settings = await readInstanceSettingsIn(trx);
  if (user.banned === 1) throw new GatehouseError('user_banned');
  if (user.locked_until !== null && user.locked_until > now) throw new GatehouseError('user_locked');
  if (input.activeOrganizationId) await assertMember(trx, input.userId, input.activeOrganizationId, 'active_organization_id');
  const sessionId = input.sessionId ?? newId('sess', now);
  const expireAt = now + ctx.policy.sessions.lifetimeSeconds * 1000;
  const row: SessionRow = {
    id: sessionId,
    client_id: input.clientId,
    user_id: input.userId,
    status: 'active',
    last_active_organization_id: input.activeOrganizationId ?? null,
    actor: null,
    first_factor_verified_at: input.factorsVerifiedAt?.first ?? now,
    second_factor_verified_at: input.factorsVerifiedAt?.second ?? null,
    // Where everyone must have two-step verification, someone without it sets it up first.
    pending_task: settings.multi_factor.required && !hasSecondFactor(user) ? SETUP_MFA_TASK : null,
    last_active_at: now,
    expire_at: expireAt,
    abandon_at: abandonAtFor(ctx, now, expireAt),
    ...activityColumns(),
    created_at: now,
    updated_at: now,
  };
  await insertSession(trx, row);
  await updateClientRow(trx, input.clientId, { ...input.finished, last_active_session_id: sessionId, updated_at: now });
  const subject = await sessionSubject(ctx, trx, toSession(row, now), input.user);
  await appendEvent(trx, { type: 'session.created', data: eventData('session.created', subject), subjectUserId: input.userId }, now);
  return sessionId;
}

const END_EVENT = {
  revoked: 'session.revoked',
  ended: 'session.ended',
  removed: 'session.removed',
} as const;

/** Ends one session with the given status; a session that is no longer active is left as it is. */
export async function revokeSession(ctx: DomainContext, sessionId: string): Promise<Session> {
  await ctx.store.transaction(async (trx) => {
    const row = await findSessionRow(trx, sessionId);
    await endSessions(ctx, trx, [row], 'revoked');
  });
  return getSession(ctx, sessionId);
}

/** Ends the sessions a client holds (sign-out from a browser); returns how many it ended. */
export async function endClientSessions(ctx: DomainContext, clientId: string, status: 'ended' | 'removed', sessionIds?: readonly string[]): Promise<number> {
  return ctx.store.transaction(async (trx) => {
    const rows = (await listClientSessionRows(trx, clientId)).filter((r) => !sessionIds || sessionIds.includes(r.id));
    return endSessions(ctx, trx, rows, status);
  });
}

/**
 * Ends every active session of a user at once (ban, lock, deletion, password removal with
 * sign-out), or all but the one a person acted from: their next token request fails, and the
 * tokens already out expire within a minute.
 */
export async function endUserSessions(ctx: DomainContext, db: Executor, userId: string, status: 'revoked' | 'ended' | 'removed', exceptSessionId?: string): Promise<number> {
  const rows = await listActiveSessionRowsOfUser(db, userId);
  return endSessions(ctx, db, exceptSessionId ? rows.filter((r) => r.id !== exceptSessionId) : rows, status);
}

async function endSessions(ctx: DomainContext, db: Executor, rows: readonly SessionRow[], status: 'revoked' | 'ended' | 'removed'): Promise<number> {
  const now = ctx.now();
  let ended = 0;
  for (const row of rows) {
    if (effectiveStatus(row, now) !== 'active') continue;
    if (!(await endActiveSessionRow(db, row.id, status, now))) continue;
    ended += 1;
    const after = { ...row, status, updated_at: now };
    const type = END_EVENT[status];
    await appendEvent(db, { type, data: eventData(type, await sessionSubject(ctx, db, toSession(after, now))), subjectUserId: row.user_id }, now);
  }
  return ended;
}

export interface SessionListQuery {
  clientId?: string;
  userId?: string;
  /** `replaced` and `pending` are Clerk states no session here ever takes: they match nothing. */
  status?: SessionStatus | 'replaced' | 'pending';
  limit: number;
  offset: number;
}

/** Sessions newest first. Status filters use the effective status, so `expired` finds lapsed ones too. */
export async function listSessions(ctx: DomainContext, q: SessionListQuery): Promise<Page<Session>> {
  const now = ctx.now();
  // `replaced` and `pending` match nothing: no session here ever takes them.
  if (q.status === 'replaced' || q.status === 'pending') return { items: [], totalCount: 0 };
  const { rows, total } = await listSessionRows(ctx.store.db, { clientId: q.clientId, userId: q.userId, status: q.status, now }, q);
  return { items: rows.map((r) => toSession(r, now)), totalCount: total };
}
