import type { Selectable } from 'kysely';
import type { Executor } from '../db.js';
import { preparedQuery } from '../prepared-query.js';
import type { ClientTable, SessionStatus, SessionTable } from '../schema.js';
import { pageWithTotal } from '../paging.js';

export type SessionRow = Selectable<SessionTable>;
export type ClientRow = Selectable<ClientTable>;

export async function findSessionRowById(db: Executor, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertSession(db: Executor, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

export async function listActiveSessionRowsOfUser(db: Executor, userId: string): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('status', '=', 'active').execute();
}

/** Ends a session that is still active; false when another writer ended it first. */
export async function endActiveSessionRow(db: Executor, id: string, status: SessionStatus, now: number): Promise<boolean> {
  const result = await db.updateTable('sessions').set({ status, updated_at: now }).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface SessionRowFilter {
  clientId?: string | undefined;
  userId?: string | undefined;
  /** Matched on the effective status at `now`: a lapsed `active` session counts as expired or abandoned. */
  status?: SessionStatus | undefined;
  now: number;
}

/** Sessions matching `filter`, newest first, one page of them and how many match in all. */
export async function listSessionRows(db: Executor, filter: SessionRowFilter, page: { limit: number; offset: number }): Promise<{ rows: SessionRow[]; total: number }> {
  const { now } = filter;
  let base = db.selectFrom('sessions');
  if (filter.clientId) base = base.where('client_id', '=', filter.clientId);
  if (filter.userId) base = base.where('user_id', '=', filter.userId);
  if (filter.status === 'active') {
    base = base.where('status', '=', 'active').where('expire_at', '>', now).where('abandon_at', '>', now);
  } else if (filter.status === 'expired') {
    base = base.where((eb) => eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'active'), eb('expire_at', '<=', now)])]));
  } else if (filter.status === 'abandoned') {
    base = base.where((eb) =>
      eb.or([eb('status', '=', 'abandoned'), eb.and([eb('status', '=', 'active'), eb('expire_at', '>', now), eb('abandon_at', '<=', now)])]),
    );
  } else if (filter.status) {
    base = base.where('status', '=', filter.status);
  }
  return pageWithTotal(base, (q) => q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'), page);
}

/** Clients by id and all their sessions (oldest first). */
export async function loadClientRows(db: Executor, ids: readonly string[]): Promise<{ clients: ClientRow[]; sessions: SessionRow[] }> {
  const [clients, sessions] = await Promise.all([
    db.selectFrom('clients').selectAll().where('id', 'in', [...ids]).execute(),
    db.selectFrom('sessions').selectAll().where('client_id', 'in', [...ids]).orderBy('created_at').orderBy('id').execute(),
  ]);
  return { clients, sessions };
}

/** One page of client ids, newest first, and how many clients there are. */
export async function listClientIds(db: Executor, page: { limit: number; offset: number }): Promise<{ ids: string[]; total: number }> {
  const { rows, total } = await pageWithTotal(db.selectFrom('clients'), (q) => q.select('id').orderBy('created_at', 'desc').orderBy('id', 'desc'), page);
  return { ids: rows.map((r) => r.id), total };
}

/** Stores the hash of a client's new rotating token; false when there is no such client. */
export async function setClientRotatingTokenHash(db: Executor, id: string, hash: string, now: number): Promise<boolean> {
  const result = await db.updateTable('clients').set({ rotating_token_hash: hash, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

const clientRotatingTokenHashQuery = preparedQuery((db, id: string) => db.selectFrom('clients').select(['rotating_token_hash']).where('id', '=', id), 1);

/** Every Frontend API request's client check: compiled once, a named statement on PostgreSQL. */
export async function readClientRotatingTokenHash(db: Executor, id: string): Promise<{ rotating_token_hash: string | null } | undefined> {
  const [row] = await clientRotatingTokenHashQuery(db, id);
  return row;
}

/** Forgets a session's active organization (its user is no longer a member). */
export async function clearActiveOrganization(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_active_organization_id: null, updated_at: now }).where('id', '=', id).execute();
}

/** Every session a client holds, oldest first. */
export async function listClientSessionRows(db: Executor, clientId: string): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('client_id', '=', clientId).orderBy('created_at').orderBy('id').execute();
}

/** Marks a session used now (and, when given, its active organization); false when it is not active. */
export async function touchSessionRow(
  db: Executor,
  id: string,
  patch: { lastActiveAt: number; abandonAt: number; activeOrganizationId?: string | null; activity?: { ip: string | null; userAgent: string | null } },
): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({
      last_active_at: patch.lastActiveAt,
      abandon_at: patch.abandonAt,
      updated_at: patch.lastActiveAt,
      ...(patch.activity ? { activity_ip: patch.activity.ip, activity_user_agent: patch.activity.userAgent } : {}),
      ...(patch.activeOrganizationId !== undefined ? { last_active_organization_id: patch.activeOrganizationId } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Clears `task` from the user's sessions that wait on it. */
export async function completeSessionTask(db: Executor, userId: string, task: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ pending_task: null, updated_at: now }).where('user_id', '=', userId).where('pending_task', '=', task).execute();
}

/** Stamps a factor verified just now on the session (its token's `fva`). */
export async function stampFactorVerified(db: Executor, sessionId: string, factor: 'first' | 'second', now: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ ...(factor === 'first' ? { first_factor_verified_at: now } : { second_factor_verified_at: now }), updated_at: now })
    .where('id', '=', sessionId)
    .execute();
}
