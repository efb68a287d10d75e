/**
 * Bulk-loads generated users straight into the store: multi-row inserts inside one transaction
 * per batch, with `user_search` rows built here rather than by `refreshUserSearch` (which costs a
 * read of the user plus an upsert per user). A sample is then checked against the real function.
 */
import { performance } from 'node:perf_hooks';
import { sql, type Insertable } from 'kysely';
import type { Store } from '../../packages/server/src/store/db.js';
import { refreshUserSearch } from '../../packages/server/src/store/repositories/user-repository.js';
import type { EmailAddressTable, PhoneNumberTable, UserSearchTable, UserTable } from '../../packages/server/src/store/schema.js';
import { chunks } from './chunks.js';
import type { SeedUser } from './user-data.js';

export interface SeedReport {
  users: number;
  emails: number;
  phones: number;
  usernames: number;
  batchSize: number;
  insertMs: number;
  analyzeMs: number;
  usersPerSecond: number;
  /** How the bulk-built search lines compared with `refreshUserSearch` on a sample. */
  searchCheck: { sampled: number; mismatches: number; refreshMsPerUser: number; projectedRefreshAllSeconds: number };
}

// SQLite refuses statements with more than 32,766 bound values; stay under it for the widest table.
const MAX_BOUND_VALUES = 30_000;

async function insertRows<R extends object>(rows: R[], insert: (chunk: R[]) => Promise<unknown>): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_VALUES / Object.keys(first).length));
  for (const chunk of chunks(rows, perStatement)) await insert(chunk);
}

function userRow(u: SeedUser, digest: string): Insertable<UserTable> {
  return {
    id: u.id,
    external_id: null,
    username: u.username,
    first_name: u.firstName,
    last_name: u.lastName,
    locale: null,
    primary_email_address_id: u.emailId,
    primary_phone_number_id: u.phoneId,
    password_digest: digest,
    password_hasher: 'gatehouse',
    password_updated_at: u.createdAt,
    password_compromised_at: null,
    public_metadata: '{}',
    private_metadata: '{}',
    unsafe_metadata: '{}',
    banned: 0,
    locked_until: null,
    failed_verification_attempts: 0,
    last_sign_in_at: null,
    last_active_at: null,
    legal_accepted_at: null,
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    delete_self_enabled: 1,
    create_organization_enabled: 1,
    totp_enabled: 0,
    backup_code_enabled: 0,
    create_organizations_limit: null,
    created_at: u.createdAt,
    updated_at: u.createdAt,
  };
}

export async function seedUsers(
  store: Store,
  users: readonly SeedUser[],
  digest: string,
  options: { batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<SeedReport> {
  const batchSize = options.batchSize ?? 1000;
  const started = performance.now();
  let done = 0;
  for (const batch of chunks(users, batchSize)) {
    const userRows = batch.map((u) => userRow(u, digest));
    const emailRows: Insertable<EmailAddressTable>[] = batch.map((u) => ({
      id: u.emailId,
      user_id: u.id,
      email_address: u.email,
      verification_status: 'verified',
      verification_strategy: 'admin',
      reserved: 0,
      created_at: u.createdAt,
      updated_at: u.createdAt,
    }));
    const phoneRows: Insertable<PhoneNumberTable>[] = batch.flatMap((u) =>
      u.phone && u.phoneId
        ? [
            {
              id: u.phoneId,
              user_id: u.id,
              phone_number: u.phone,
              verification_status: 'verified' as const,
              verification_strategy: 'admin',
              reserved: 0 as const,
              reserved_for_second_factor: 0 as const,
              default_second_factor: 0 as const,
              created_at: u.createdAt,
              updated_at: u.createdAt,
            },
          ]
        : [],
    );
    // Insert order matters only for the FTS triggers on SQLite, which fire per user_search row.
    const searchRows: Insertable<UserSearchTable>[] = batch.map((u) => ({ user_id: u.id, search_text: u.searchText }));
    await store.transaction(async (trx) => {
      await insertRows(userRows, (c) => trx.insertInto('users').values(c).execute());
      await insertRows(emailRows, (c) => trx.insertInto('email_addresses').values(c).execute());
      await insertRows(phoneRows, (c) => trx.insertInto('phone_numbers').values(c).execute());
      await insertRows(searchRows, (c) => trx.insertInto('user_search').values(c).execute());
    });
    done += batch.length;
    options.onProgress?.(done);
  }
  const insertMs = performance.now() - started;

  const analyzeStarted = performance.now();
  if (store.dialect === 'postgres') {
    // VACUUM as well as ANALYZE: a store that grew over time has been autovacuumed (visibility
    // map set, GIN pending list merged); a freshly bulk-loaded one has not, and autovacuum would
    // otherwise kick in on these tables in the middle of a measurement.
    await sql`vacuum (analyze) users, email_addresses, phone_numbers, user_search`.execute(store.db);
  } else {
    await sql`analyze`.execute(store.db);
    await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
  }
  const analyzeMs = performance.now() - analyzeStarted;

  const searchCheck = await checkSearchMirror(store, users);
  return {
    users: users.length,
    emails: users.length,
    phones: users.filter((u) => u.phone).length,
    usernames: users.filter((u) => u.username).length,
    batchSize,
    insertMs,
    analyzeMs,
    usersPerSecond: users.length / (insertMs / 1000),
    searchCheck,
  };
}

/**
 * Runs the server's own `refreshUserSearch` on evenly spread users and compares its line with the
 * bulk-built one, which both proves the mirror exact and times the per-user path we skipped.
 */
async function checkSearchMirror(store: Store, users: readonly SeedUser[]): Promise<SeedReport['searchCheck']> {
  const sampleSize = Math.min(300, users.length);
  const sample = Array.from({ length: sampleSize }, (_, i) => users[Math.floor((i * users.length) / sampleSize)] as SeedUser);
  let mismatches = 0;
  let refreshMs = 0;
  for (const u of sample) {
    const started = performance.now();
    await store.transaction((trx) => refreshUserSearch(trx, u.id));
    refreshMs += performance.now() - started;
    const row = await store.db.selectFrom('user_search').select('search_text').where('user_id', '=', u.id).executeTakeFirst();
    if (row?.search_text !== u.searchText) mismatches++;
  }
  const refreshMsPerUser = refreshMs / Math.max(1, sample.length);
  return { sampled: sample.length, mismatches, refreshMsPerUser, projectedRefreshAllSeconds: (refreshMsPerUser * users.length) / 1000 };
}
