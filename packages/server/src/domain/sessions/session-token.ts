import type { JWTPayload } from 'jose';
import { signRs256 } from '../../crypto/jws.js';
import { newTokenId } from '../../crypto/ids.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { GatehouseError, notFound } from '../../errors.js';
import type { Store } from '../../store/db.js';
import type { TableChange } from '../../store/change-feed.js';
import { cachePerStore } from '../../store/change-guarded-cache.js';
import { clearActiveOrganization } from '../../store/repositories/session-repository.js';
import { readTokenSubject, type TokenSubjectRow } from '../../store/repositories/token-subject-repository.js';
import type { DomainContext } from '../context.js';
import { effectiveStatus } from './sessions.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from './signing-keys.js';

/** A refresh refused because the session is no longer active or its user is banned. */
export interface TokenDenial {
  sessionId: string;
  userId: string;
  status: ReturnType<typeof effectiveStatus>;
  userBanned: boolean;
}

/** Clock skew tolerated by verifiers: `nbf` is back-dated by it (Clerk does the same). */
export const CLOCK_SKEW_SECONDS = 5;

export interface OrganizationClaimsSource {
  id: string;
  slug: string;
  roleKey: string;
  permissions: string[];
}

/**
 * v2 organization claims: `o.per` lists every action once, `fea` lists `o:<feature>` once, and
 * `o.fpm[i]` is the bitmask of actions (bit j = `per[j]`) the member holds on feature i.
 * `org:invoices:read` → feature `invoices`, action `read`.
 */
export function organizationClaimsV2(org: OrganizationClaimsSource): { o: Record<string, string>; fea: string } {
  const parsed = org.permissions
    .map((p) => p.split(':'))
    .filter((parts): parts is [string, string, string] => parts.length === 3 && parts[0] === 'org')
    .map(([, feature, action]) => ({ feature, action }));
  const features = [...new Set(parsed.map((p) => p.feature))].sort();
  const actions = [...new Set(parsed.map((p) => p.action))].sort();
  const masks = features.map((feature) =>
    actions.reduce((mask, action, bit) => (parsed.some((p) => p.feature === feature && p.action === action) ? mask | (1 << bit) : mask), 0),
  );
  return {
    o: { id: org.id, slg: org.slug, rol: org.roleKey.replace(/^org:/, ''), per: actions.join(','), fpm: masks.join(',') },
    fea: features.map((f) => `o:${f}`).join(','),
  };
}

/** v1 organization claims; like Clerk, system permissions are left out of `org_permissions`. */
export function organizationClaimsV1(org: OrganizationClaimsSource): Record<string, unknown> {
  return {
    org_id: org.id,
    org_slug: org.slug,
    org_role: org.roleKey,
    org_permissions: org.permissions.filter((p) => !p.startsWith('org:sys_')),
  };
}

export interface MintedToken {
  jwt: string;
  claims: JWTPayload;
}

function minutesSince(at: number | null, now: number): number {
  return at === null ? -1 : Math.max(0, Math.floor((now - at) / 60_000));
}

/** The issuer verifiers expect: `https://` + the host the publishable key encodes. */
export function issuerFor(ctx: DomainContext): string {
  return `https://${ctx.publicUrl.host}`;
}

export async function signClaims(ctx: DomainContext, claims: JWTPayload, lifetimeSeconds: number, skewSeconds = CLOCK_SKEW_SECONDS): Promise<MintedToken> {
  const { kid, privateKey } = await ctx.signingKeys.signingKey();
  const iat = Math.floor(ctx.now() / 1000);
  const full: JWTPayload = { ...claims, iat, nbf: iat - skewSeconds, exp: iat + lifetimeSeconds };
  const jwt = await signRs256({ alg: 'RS256', kid, typ: 'JWT' }, full, privateKey);
  return { jwt, claims: full };
}

interface TokenSubject extends TokenSubjectRow {
  /** The organization claims, by token version, computed once per subject. */
  orgClaims: Partial<Record<1 | 2, Record<string, unknown>>>;
}

/**
 * The changes a cached token subject must be forgotten for: any change to a table it is derived
 * from, or to a parent whose deletes cascade into one (deleting a client removes its sessions),
 * except those that provably leave every cached subject as it is:
 * - a new row that nothing cached refers to (a new session, user, client, organization, role or
 *   permission; a new membership or role permission does count);
 * - an update of a user that leaves the ban flag alone (sign-ins, profile edits);
 * - an update of a client (the subject holds none of its columns).
 * PostgreSQL's triggers for other servers (migration 0006) announce the same, less precisely.
 */
const TOKEN_SUBJECT_CHANGES = new Map<string, (change: TableChange) => boolean>([
  ['sessions', (c) => c.kind !== 'insert'],
  ['clients', (c) => c.kind === 'delete' || c.kind === 'write'],
  ['users', (c) => (c.kind === 'update' ? c.columns === undefined || c.columns.includes('banned') : c.kind !== 'insert')],
  ['organizations', (c) => c.kind !== 'insert'],
  ['organization_memberships', () => true],
  ['organization_roles', (c) => c.kind !== 'insert'],
  ['organization_role_permissions', () => true],
  ['organization_permissions', (c) => c.kind !== 'insert'],
]);

function affectsTokenSubjects(change: TableChange): boolean {
  return TOKEN_SUBJECT_CHANGES.get(change.table)?.(change) ?? false;
}

/**
 * About 1.4 KB each, so at most ~70 MB. Sessions refresh about once a minute, so this holds every
 * session of a server minting up to ~800 tokens/s; beyond that the oldest are read again.
 */
const MAX_CACHED_SUBJECTS = 50_000;

const subjectCacheOf = cachePerStore<string, TokenSubject>(affectsTokenSubjects, MAX_CACHED_SUBJECTS);

/**
 * Everything a session token needs. This is the hot path of every browser's token refresh: a
 * session refreshing every minute is read once and then served from memory until a change that
 * could affect it (on PostgreSQL that saves the round trip, on SQLite two queries).
 */
async function loadTokenSubject(store: Store, sessionId: string): Promise<TokenSubject> {
  const cache = subjectCacheOf(store);
  const read = async (): Promise<TokenSubject | undefined> => {
    const row = await readTokenSubject(store, sessionId);
    return row ? { ...row, orgClaims: {} } : undefined;
  };
  const subject = cache.get(sessionId) ?? (await cache.load(sessionId, read));
  if (!subject) throw notFound();
  return subject;
}

function organizationClaims(subject: TokenSubject, org: OrganizationClaimsSource, version: 1 | 2): Record<string, unknown> {
  return (subject.orgClaims[version] ??= version === 2 ? organizationClaimsV2(org) : organizationClaimsV1(org));
}

/**
 * The session token Clerk's middleware verifies. Refused for a session that is not active or a
 * banned user; a user no longer in the session's active organization gets a token without it.
 * With `clientId` (a browser's refresh) a session of another client is not found: the ownership
 * check reads the same subject as the token, so a refresh costs one subject lookup, not two reads.
 */
export async function mintSessionToken(
  ctx: DomainContext,
  sessionId: string,
  options: { expiresInSeconds?: number; origin?: string; clientId?: string } = {},
): Promise<MintedToken> {
  const db = ctx.store.db;
  const now = ctx.now();
  const subject = await loadTokenSubject(ctx.store, sessionId);
  const { session, banned, org } = subject;
  if (options.clientId !== undefined && session.client_id !== options.clientId) throw notFound();
  const status = effectiveStatus(session, now);
  const refusal = status !== 'active' ? status : banned ? 'revoked' : undefined;
  if (refusal) {
    // A refused refresh is worth an operator's attention (a stolen cookie replayed after sign-out
    // looks exactly like this), so it is audited, though nothing changed.
    await appendEvent(db, { type: 'session.token_denied', data: eventData('session.token_denied', { sessionId: session.id, userId: session.user_id, status, userBanned: banned }), subjectUserId: session.user_id }, now);
    throw new GatehouseError('session_not_active', { meta: { status: refusal } });
  }

  if (!org && session.last_active_organization_id) {
    await clearActiveOrganization(db, session.id, now);
  }
  const claims: JWTPayload = {
    iss: issuerFor(ctx),
    sub: session.user_id,
    sid: session.id,
    jti: newTokenId(),
    fva: [minutesSince(session.first_factor_verified_at, now), minutesSince(session.second_factor_verified_at, now)],
    // A session with a task still to do: Clerk's SDKs treat its person as signed out.
    sts: session.pending_task ? 'pending' : 'active',
    ...(options.origin ? { azp: options.origin } : {}),
  };
  const version = ctx.policy.sessions.tokenVersion;
  if (version === 2) claims['v'] = 2;
  if (org) Object.assign(claims, organizationClaims(subject, org, version));
  const lifetime = Math.min(options.expiresInSeconds ?? ctx.policy.sessions.tokenLifetimeSeconds, MAX_TOKEN_LIFETIME_SECONDS);
  return signClaims(ctx, claims, lifetime);
}
