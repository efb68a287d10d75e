/** Bulk-loads the organization population straight into the store, in multi-row inserts. */
import { performance } from 'node:perf_hooks';
import { sql, type Insertable } from 'kysely';
import type { Store } from '../../../packages/server/src/store/db.js';
import type { OrganizationMembershipTable, OrganizationTable } from '../../../packages/server/src/store/schema.js';
import { chunks } from '../chunks.js';
import type { OrgWorld } from './world.js';

export const ROWS_PER_STATEMENT = 1000;

export interface OrgSeedReport {
  organizations: number;
  memberships: number;
  rowsPerStatement: number;
  insertMs: number;
  analyzeMs: number;
}

export async function seedOrganizations(store: Store, world: OrgWorld): Promise<OrgSeedReport> {
  const started = performance.now();
  const orgRows: Insertable<OrganizationTable>[] = world.orgs.map((o) => ({
    id: o.id,
    name: o.name,
    slug: o.slug,
    image_id: null,
    max_allowed_memberships: 0,
    admin_delete_enabled: 1,
    public_metadata: '{}',
    private_metadata: '{}',
    created_by: o.createdBy,
    created_at: o.createdAt,
    updated_at: o.createdAt,
  }));
  const membershipRows: Insertable<OrganizationMembershipTable>[] = world.memberships.map((m) => ({
    id: m.id,
    organization_id: m.orgId,
    user_id: m.userId,
    role_id: m.roleId,
    public_metadata: '{}',
    private_metadata: '{}',
    created_at: m.createdAt,
    updated_at: m.createdAt,
  }));
  // 1000 rows per statement stays far under SQLite's 32,766 bound values (12 columns at most).
  for (const chunk of chunks(orgRows, ROWS_PER_STATEMENT)) await store.transaction((trx) => trx.insertInto('organizations').values(chunk).execute());
  for (const chunk of chunks(membershipRows, ROWS_PER_STATEMENT)) {
    await store.transaction((trx) => trx.insertInto('organization_memberships').values(chunk).execute());
  }
  const insertMs = performance.now() - started;

  const analyzeStarted = performance.now();
  if (store.dialect === 'postgres') {
    // VACUUM as well as ANALYZE, as seed-users.ts does: a freshly loaded table has no visibility
    // map (so no index-only scans) and would be autovacuumed in the middle of a measurement.
    await sql`vacuum (analyze) organizations, organization_memberships, organization_roles, organization_role_permissions, organization_permissions`.execute(
      store.db,
    );
  } else {
    await sql`analyze`.execute(store.db);
    await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
  }
  return {
    organizations: orgRows.length,
    memberships: membershipRows.length,
    rowsPerStatement: ROWS_PER_STATEMENT,
    insertMs,
    analyzeMs: performance.now() - analyzeStarted,
  };
}
