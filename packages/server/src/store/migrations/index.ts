import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Dialect } from '../db.js';
import type { Database } from '../schema.js';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-organizations.js';
import * as m0003 from './0003-sessions.js';
import * as m0004 from './0004-webhooks.js';
import * as m0005 from './0005-change-notifications.js';
import * as m0006 from './0006-token-subject-notifications.js';
import * as m0007 from './0007-frontend-api.js';
import * as m0008 from './0008-email-outbox.js';
import * as m0009 from './0009-invitation-tickets.js';
import * as m0010 from './0010-session-activity.js';
import * as m0011 from './0011-organization-domains.js';
import * as m0012 from './0012-second-factors.js';
import * as m0013 from './0013-passkeys.js';
import * as m0014 from './0014-session-reverifications.js';
import * as m0015 from './0015-social-sign-in.js';
import * as m0016 from './0016-restrictions.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

// Numbered and append-only: a shipped migration is never edited, only followed by a new one.
const MIGRATIONS: Record<string, DialectMigration> = {
  '0001-foundation': m0001,
  '0002-organizations': m0002,
  '0003-sessions': m0003,
  '0004-webhooks': m0004,
  '0005-change-notifications': m0005,
  '0006-token-subject-notifications': m0006,
  '0007-frontend-api': m0007,
  '0008-email-outbox': m0008,
  '0009-invitation-tickets': m0009,
  '0010-session-activity': m0010,
  '0011-organization-domains': m0011,
  '0012-second-factors': m0012,
  '0013-passkeys': m0013,
  '0014-session-reverifications': m0014,
  '0015-social-sign-in': m0015,
  '0016-restrictions': m0016,
};

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, migration] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => migration.up(db, this.dialect) };
    }
    return out;
  }
}

export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect): Promise<MigrationResultSet> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one; name the
  // connection's own schema so databases holding several Gatehouse schemas never cross wires.
  const schema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect),
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
