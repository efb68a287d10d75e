import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Executor, Store } from '../db.js';
import { preparedQuery } from '../prepared-query.js';
import type { SessionRow } from './session-repository.js';

/** What a session token is made of: the session, its user's ban flag and the active membership. */
export interface TokenSubjectRow {
  session: SessionRow;
  banned: boolean;
  /** The active organization with the member's role, if the user is still a member. */
  org: { id: string; slug: string; roleKey: string; permissions: string[] } | undefined;
}

/** A session with its user and, if the user is still a member, its active organization and membership. */
function sessionWithActiveMembership(db: Executor) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('organization_memberships as m', (join) => join.onRef('m.organization_id', '=', 's.last_active_organization_id').onRef('m.user_id', '=', 's.user_id'))
    .leftJoin('organizations as o', 'o.id', 'm.organization_id');
}

const tokenSubjectQuery = preparedQuery(
  (db, sessionId: string) =>
    sessionWithActiveMembership(db)
      .selectAll('s')
      .select(['u.banned as user_banned', 'o.id as org_id', 'o.slug as org_slug', 'm.role_id as org_role_id'])
      .where('s.id', '=', sessionId),
  1,
);

const rolePermissionsQuery = preparedQuery(
  (db, roleId: string) =>
    db
      .selectFrom('organization_roles as r')
      .leftJoin('organization_role_permissions as rp', 'rp.role_id', 'r.id')
      .leftJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
      .select(['r.key as role_key', 'p.key as permission_key'])
      .where('r.id', '=', roleId)
      .orderBy('p.key'),
  1,
);

/**
 * SQLite: the session, its user's ban flag and the active membership in one indexed read, then
 * the role's permissions in a second (one six-way join measured slower than the two).
 */
async function loadTokenSubjectInTwoReads(db: Executor, sessionId: string): Promise<TokenSubjectRow | undefined> {
  const [row] = await tokenSubjectQuery(db, sessionId);
  if (!row) return undefined;
  const { user_banned, org_id, org_slug, org_role_id, ...session } = row;
  let org: TokenSubjectRow['org'];
  if (org_id && org_slug && org_role_id) {
    const rows = await rolePermissionsQuery(db, org_role_id);
    const first = rows[0];
    if (first) org = { id: org_id, slug: org_slug, roleKey: first.role_key, permissions: rows.flatMap((r) => (r.permission_key ? [r.permission_key] : [])) };
  }
  return { session, banned: user_banned === 1, org };
}

const tokenSubjectWithPermissionsQuery = preparedQuery(
  (db, sessionId: string) =>
    sessionWithActiveMembership(db)
      .leftJoin('organization_roles as r', 'r.id', 'm.role_id')
      .selectAll('s')
      .select((eb) => [
        'u.banned as user_banned',
        'o.id as org_id',
        'o.slug as org_slug',
        'r.key as role_key',
        jsonArrayFrom(
          eb
            .selectFrom('organization_role_permissions as rp')
            .innerJoin('organization_permissions as p', 'p.id', 'rp.permission_id')
            .select('p.key')
            .whereRef('rp.role_id', '=', 'r.id')
            .orderBy('p.key'),
        ).as('permissions'),
      ])
      .where('s.id', '=', sessionId),
  1,
);

/** PostgreSQL: everything in one round trip, the role's permissions aggregated as JSON. */
async function loadTokenSubjectInOneRead(db: Executor, sessionId: string): Promise<TokenSubjectRow | undefined> {
  const [row] = await tokenSubjectWithPermissionsQuery(db, sessionId);
  if (!row) return undefined;
  const { user_banned, org_id, org_slug, role_key, permissions, ...session } = row;
  const org = org_id && org_slug && role_key ? { id: org_id, slug: org_slug, roleKey: role_key, permissions: permissions.map((p) => p.key) } : undefined;
  return { session, banned: user_banned === 1, org };
}

/** The token subject of a session, read the way each dialect does it fastest. */
export function readTokenSubject(store: Store, sessionId: string): Promise<TokenSubjectRow | undefined> {
  return store.dialect === 'postgres' ? loadTokenSubjectInOneRead(store.db, sessionId) : loadTokenSubjectInTwoReads(store.db, sessionId);
}
