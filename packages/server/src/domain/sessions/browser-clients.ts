import { GatehouseError, notFound } from '../../errors.js';
import { findClientRow } from '../../store/repositories/attempt-repository.js';
import { findSessionRowById, listClientSessionRows, type SessionRow } from '../../store/repositories/session-repository.js';
import type { DomainContext } from '../context.js';
import type { SignIn } from '../sign-ins/sign-in.js';
import { getSignIn } from '../sign-ins/sign-in-flow.js';
import type { SignUp } from '../sign-ups/sign-up.js';
import { getSignUp } from '../sign-ups/sign-up-flow.js';
import { loadUsersMemberships } from '../organizations/memberships.js';
import type { OrganizationMembership } from '../organizations/types.js';
import { getUser, getUsers } from '../users/get-user.js';
import type { User } from '../users/user.js';
import { issueClientToken } from './clients.js';
import { mintSessionToken, type MintedToken } from './session-token.js';
import { effectiveStatus, toSession, type Session } from './sessions.js';

/**
 * The client as a browser sees it (Clerk's FAPI `client`): its signed-in sessions, each with its
 * user and a fresh session token, and the sign-in in progress.
 */
export interface BrowserSession {
  session: Session;
  user: User;
  /** The user's organization memberships, from which clerk-js reads the active organization. */
  memberships: OrganizationMembership[];
  /** A fresh session token while the session is active. */
  token: MintedToken | null;
  /** Minutes since the first and the second factor were verified (-1: never), as the `fva` claim. */
  factorVerificationAge: [number, number];
}

export interface BrowserClient {
  id: string;
  sessions: BrowserSession[];
  signIn: SignIn | null;
  signUp: SignUp | null;
  lastActiveSessionId: string | null;
  /** When the browser drops its `__client` cookie, counted from the client's last change. */
  cookieExpiresAt: number;
  createdAt: number;
  updatedAt: number;
}

/** A fresh token for the client, which voids the one the browser held (after every sign-in and sign-out). */
export function rotateBrowserClientToken(ctx: DomainContext, clientId: string): Promise<string> {
  return issueClientToken(ctx, clientId);
}

/**
 * Whom the session tokens a reply carries are for: `origin` becomes their `azp`, as in the tokens
 * clerk-js asks for, so an app's middleware accepts the first token it is handed.
 */
export interface TokenAudience {
  origin?: string | undefined;
}

/** A session as a browser sees it, without a token: another device's, listed on the account page. */
export function tokenlessBrowserSession(row: SessionRow, user: User, memberships: OrganizationMembership[], now: number): BrowserSession {
  const age = (at: number | null) => (at === null ? -1 : Math.max(0, Math.floor((now - at) / 60_000)));
  return { session: toSession(row, now), user, memberships, token: null, factorVerificationAge: [age(row.first_factor_verified_at), age(row.second_factor_verified_at)] };
}

async function toBrowserSession(ctx: DomainContext, row: SessionRow, user: User, memberships: OrganizationMembership[], now: number, audience: TokenAudience): Promise<BrowserSession> {
  const seen = tokenlessBrowserSession(row, user, memberships, now);
  const active = seen.session.status === 'active' && !user.banned;
  return { ...seen, token: active ? await mintSessionToken(ctx, row.id, audience.origin ? { origin: audience.origin } : {}) : null };
}

/** One of the client's sessions, as the browser sees it (ended ones too, without a token). */
export async function loadBrowserSession(ctx: DomainContext, clientId: string, sessionId: string, audience: TokenAudience = {}): Promise<BrowserSession> {
  const row = await findSessionRowById(ctx.store.db, sessionId);
  if (!row || row.client_id !== clientId) throw notFound();
  const [user, memberships] = await Promise.all([getUser(ctx, row.user_id), loadUsersMemberships(ctx, [row.user_id])]);
  return toBrowserSession(ctx, row, user, memberships.get(row.user_id) ?? [], ctx.now(), audience);
}

/**
 * Lifetime of the `__client` cookie, set anew at every rotation (each sign-in and sign-out): long,
 * as Clerk's is, since the sessions it carries keep their own, shorter, lifetimes.
 */
export const CLIENT_TOKEN_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

/** The client as the browser sees it; `known` users (as a step that just wrote them has them) are not read again. */
export async function loadBrowserClient(ctx: DomainContext, clientId: string, audience: TokenAudience = {}, known: readonly User[] = []): Promise<BrowserClient> {
  const row = await findClientRow(ctx.store.db, clientId);
  if (!row) throw notFound();
  const now = ctx.now();
  const active = (await listClientSessionRows(ctx.store.db, clientId)).filter((s) => effectiveStatus(s, now) === 'active');
  const users = new Map(known.map((u) => [u.id, u]));
  const unknown = [...new Set(active.map((s) => s.user_id))].filter((id) => !users.has(id));
  const [fetched, memberships] = await Promise.all([unknown.length > 0 ? getUsers(ctx, unknown) : [], loadUsersMemberships(ctx, active.map((s) => s.user_id))]);
  for (const u of fetched) users.set(u.id, u);
  const sessions: BrowserSession[] = [];
  for (const s of active) {
    const user = users.get(s.user_id);
    if (!user || user.banned) continue;
    sessions.push(await toBrowserSession(ctx, s, user, memberships.get(s.user_id) ?? [], now, audience));
  }
  // An attempt the client points at may have been removed since (its user deleted): show none.
  const gone = (error: unknown) => {
    if (error instanceof GatehouseError && error.code === 'resource_not_found') return null;
    throw error;
  };
  const signIn = row.sign_in_id ? await getSignIn(ctx, clientId, row.sign_in_id).catch(gone) : null;
  const signUp = row.sign_up_id ? await getSignUp(ctx, clientId, row.sign_up_id).catch(gone) : null;
  return {
    id: row.id,
    sessions,
    signIn: signIn && signIn.status !== 'abandoned' ? signIn : null,
    signUp: signUp && signUp.status === 'missing_requirements' ? signUp : null,
    lastActiveSessionId: sessions.some((s) => s.session.id === row.last_active_session_id) ? row.last_active_session_id : (sessions.at(-1)?.session.id ?? null),
    cookieExpiresAt: row.updated_at + CLIENT_TOKEN_LIFETIME_MS,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
