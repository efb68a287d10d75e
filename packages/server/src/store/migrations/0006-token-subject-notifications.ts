import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * PostgreSQL announces committed changes to every table a session token is derived from, so each
 * server's cache of token subjects (session-token.ts) forgets them. Statement triggers fire for
 * cascaded deletes too (deleting a user or a client removes its sessions).
 *
 * Inserts of users and sessions are left out: no cached subject refers to a row that did not
 * exist, and creating users is a hot path. Of a user, only the ban flag and deletion count.
 */
const TRIGGERS: readonly [table: string, events: string][] = [
  ['sessions', 'update or delete or truncate'],
  ['users', 'update of banned or delete or truncate'],
  ['organizations', 'update or delete or truncate'],
  ['organization_memberships', 'insert or update or delete or truncate'],
  ['organization_roles', 'update or delete or truncate'],
  ['organization_role_permissions', 'insert or update or delete or truncate'],
  ['organization_permissions', 'update or delete or truncate'],
];

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const [table, events] of TRIGGERS) {
    await sql`create trigger ${sql.id(`${table}_announce_change`)}
      after ${sql.raw(events)} on ${sql.id(table)}
      for each statement execute function gatehouse_announce_change()`.execute(db);
  }
}
