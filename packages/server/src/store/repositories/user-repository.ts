import { PostgresAdapter, sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Dialect, Executor, Store } from '../db.js';
import { insertTogether } from '../insert-together.js';
import { preparedQuery } from '../prepared-query.js';
import { forUpdate } from '../row-lock.js';
import type { EmailAddressTable, EventTable, PhoneNumberTable, UserTable } from '../schema.js';
import type { PasskeyRow } from './passkey-repository.js';
import type { ExternalAccountRow } from './oauth-repository.js';

export type UserRow = Selectable<UserTable>;
export type EmailAddressRow = Selectable<EmailAddressTable>;
export type PhoneNumberRow = Selectable<PhoneNumberTable>;

export interface UserRecord {
  row: UserRow;
  emailAddresses: EmailAddressRow[];
  phoneNumbers: PhoneNumberRow[];
  /** Registered passkeys only. */
  passkeys: PasskeyRow[];
  /** Accounts at social providers. */
  externalAccounts: ExternalAccountRow[];
}

/**
 * Writes a new user all-or-nothing: its row, identifications, search line and the event that
 * records it. Nothing is looked up first; a taken identifier fails the insert on its unique index.
 */
export async function insertUserRecord(store: Store, record: UserRecord, event: Insertable<EventTable>): Promise<void> {
  // Its SQL varies only with the number of emails and phones: users with up to three of each
  // (sixteen shapes) run it prepared.
  const prepared = record.emailAddresses.length <= MAX_PREPARED_IDENTIFICATIONS && record.phoneNumbers.length <= MAX_PREPARED_IDENTIFICATIONS;
  await insertTogether(
    store,
    [
      { into: 'users', rows: [record.row] },
      ...(record.emailAddresses.length > 0 ? [{ into: 'email_addresses' as const, rows: record.emailAddresses }] : []),
      ...(record.phoneNumbers.length > 0 ? [{ into: 'phone_numbers' as const, rows: record.phoneNumbers }] : []),
      { into: 'user_search', rows: [userSearchRow(record)] },
      { into: 'events', rows: [event] },
    ],
    { prepared },
  );
}

const MAX_PREPARED_IDENTIFICATIONS = 3;

/** Users with their email addresses and phone numbers, in the order of `ids`. */
export async function loadUserRecords(db: Executor, ids: readonly string[]): Promise<UserRecord[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const byId = db.getExecutor().adapter instanceof PostgresAdapter ? await loadInOneQuery(db, unique) : await loadInSeveralQueries(db, unique);
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * PostgreSQL: one round trip, identifications aggregated per user as JSON. Every column of those
 * tables is text or a number JSON holds exactly (millisecond timestamps, 0/1 flags). The ids go
 * as one array parameter, so every read of users, one or five hundred, is the same prepared
 * statement: planning this query cost more than running it.
 */
const usersWithIdentificationsQuery = preparedQuery(
  (db, ids: string[]) =>
    db
      .selectFrom('users as u')
      .selectAll('u')
      .select((eb) => [
        jsonArrayFrom(eb.selectFrom('email_addresses as e').selectAll('e').whereRef('e.user_id', '=', 'u.id').orderBy('e.created_at').orderBy('e.id')).as(
          'identification_emails',
        ),
        jsonArrayFrom(eb.selectFrom('phone_numbers as p').selectAll('p').whereRef('p.user_id', '=', 'u.id').orderBy('p.created_at').orderBy('p.id')).as(
          'identification_phones',
        ),
        jsonArrayFrom(
          eb.selectFrom('passkeys as k').selectAll('k').whereRef('k.user_id', '=', 'u.id').where('k.verified_at', 'is not', null).orderBy('k.created_at').orderBy('k.id'),
        ).as('identification_passkeys'),
        jsonArrayFrom(eb.selectFrom('external_accounts as x').selectAll('x').whereRef('x.user_id', '=', 'u.id').orderBy('x.created_at').orderBy('x.id')).as(
          'identification_external',
        ),
      ])
      .where('u.id', '=', sql<string>`any(${ids})`),
  1,
);

async function loadInOneQuery(db: Executor, ids: string[]): Promise<Map<string, UserRecord>> {
  const rows = await usersWithIdentificationsQuery(db, ids);
  return new Map(
    rows.map(({ identification_emails, identification_phones, identification_passkeys, identification_external, ...row }) => [
      row.id,
      { row, emailAddresses: identification_emails, phoneNumbers: identification_phones, passkeys: identification_passkeys, externalAccounts: identification_external },
    ]),
  );
}

/** SQLite: five indexed reads; in-process, there is no round trip for one query to save. */
async function loadInSeveralQueries(db: Executor, ids: string[]): Promise<Map<string, UserRecord>> {
  const [rows, emails, phones, passkeys, external] = await Promise.all([
    db.selectFrom('users').selectAll().where('id', 'in', ids).execute(),
    db.selectFrom('email_addresses').selectAll().where('user_id', 'in', ids).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('phone_numbers').selectAll().where('user_id', 'in', ids).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('passkeys').selectAll().where('user_id', 'in', ids).where('verified_at', 'is not', null).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('external_accounts').selectAll().where('user_id', 'in', ids).orderBy('created_at').orderBy('id').execute(),
  ]);
  const emailsByUser = groupBy(emails, (e) => e.user_id);
  const phonesByUser = groupBy(phones, (p) => p.user_id);
  const passkeysByUser = groupBy(passkeys, (k) => k.user_id);
  const externalByUser = groupBy(external, (x) => x.user_id);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        row,
        emailAddresses: emailsByUser.get(row.id) ?? [],
        phoneNumbers: phonesByUser.get(row.id) ?? [],
        passkeys: passkeysByUser.get(row.id) ?? [],
        externalAccounts: externalByUser.get(row.id) ?? [],
      },
    ]),
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export async function loadUserRecord(db: Executor, id: string): Promise<UserRecord | undefined> {
  const [record] = await loadUserRecords(db, [id]);
  return record;
}

export async function updateUserRow(db: Executor, id: string, patch: Updateable<UserTable>): Promise<void> {
  await db.updateTable('users').set(patch).where('id', '=', id).execute();
}

/** Records a sign-in on the user; resolves with the row as it now stands. */
export async function markUserSignedIn(db: Executor, id: string, now: number): Promise<UserRow | undefined> {
  return db.updateTable('users').set({ last_sign_in_at: now, last_active_at: now, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
}

/** Like `updateUserRow`, but says whether the user existed. */
export async function updateExistingUserRow(db: Executor, id: string, patch: Updateable<UserTable>): Promise<boolean> {
  const result = await db.updateTable('users').set(patch).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function readUserIdentity(db: Executor, id: string): Promise<Pick<UserRow, 'id' | 'external_id' | 'image_id'> | undefined> {
  return db.selectFrom('users').select(['id', 'external_id', 'image_id']).where('id', '=', id).executeTakeFirst();
}

export async function readPasswordCredential(db: Executor, id: string): Promise<Pick<UserRow, 'password_digest' | 'password_hasher'> | undefined> {
  return db.selectFrom('users').select(['password_digest', 'password_hasher']).where('id', '=', id).executeTakeFirst();
}

/** Replaces a password digest with a stronger one, unless the password changed since `expected` was read. */
export async function upgradePasswordDigest(db: Executor, id: string, expected: string, upgrade: { digest: string; hasher: string }): Promise<void> {
  await db.updateTable('users').set({ password_digest: upgrade.digest, password_hasher: upgrade.hasher }).where('id', '=', id).where('password_digest', '=', expected).execute();
}

/** Which of these users exist. */
export async function findExistingUserIds(db: Executor, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('users').select('id').where('id', 'in', [...ids]).execute()).map((r) => r.id);
}

/** A user's verified email addresses. */
export async function listVerifiedEmailAddresses(db: Executor, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('email_addresses').select('email_address').where('user_id', '=', userId).where('verification_status', '=', 'verified').execute();
  return rows.map((r) => r.email_address);
}

/** Who owns an email address or phone number, and whether it is verified. */
export async function readIdentificationOwner(
  db: Executor,
  table: 'email_addresses' | 'phone_numbers',
  id: string,
): Promise<{ user_id: string; verification_status: EmailAddressRow['verification_status'] } | undefined> {
  return db.selectFrom(table).select(['user_id', 'verification_status']).where('id', '=', id).executeTakeFirst();
}

/** What an organization shows of its members: names, username and primary identifiers. */
export async function readPublicUserRows(db: Executor, ids: readonly string[]) {
  return db
    .selectFrom('users as u')
    .leftJoin('email_addresses as e', 'e.id', 'u.primary_email_address_id')
    .leftJoin('phone_numbers as p', 'p.id', 'u.primary_phone_number_id')
    .select(['u.id', 'u.first_name', 'u.last_name', 'u.username', 'u.banned', 'u.image_id', 'e.email_address', 'p.phone_number'])
    .where('u.id', 'in', ids)
    .execute();
}

export async function deleteUserRow(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Who already holds this username or external id — for a clear `form_identifier_exists` on update. */
export async function findTakenIdentifiers(
  db: Executor,
  probe: { username?: string | null; externalId?: string | null },
): Promise<{ param: 'username' | 'external_id'; userId: string } | undefined> {
  if (probe.username) {
    const hit = await db.selectFrom('users').select('id').where('username', '=', probe.username).executeTakeFirst();
    if (hit) return { param: 'username', userId: hit.id };
  }
  if (probe.externalId) {
    const hit = await db.selectFrom('users').select('id').where('external_id', '=', probe.externalId).executeTakeFirst();
    if (hit) return { param: 'external_id', userId: hit.id };
  }
  return undefined;
}

/**
 * Rewrites the user's search line from its current identifiers. Called in the same transaction as
 * every change to names, username, emails or phones, so search never lags the data.
 */
export async function refreshUserSearch(db: Executor, userId: string): Promise<void> {
  const record = await loadUserRecord(db, userId);
  if (record) await writeUserSearch(db, record);
}

/** The search line of a user: every text `query=` matches, lower-cased. */
function userSearchRow(record: UserRecord): { user_id: string; search_text: string } {
  const { row } = record;
  const parts = [
    row.id,
    row.username,
    row.first_name,
    row.last_name,
    row.first_name && row.last_name ? `${row.first_name} ${row.last_name}` : null,
    ...record.emailAddresses.map((e) => e.email_address),
    ...record.phoneNumbers.flatMap((p) => [p.phone_number, p.phone_number.replace(/^\+/, '')]),
  ];
  const searchText = parts
    .filter((p): p is string => typeof p === 'string' && p.length > 0)
    .join(' | ')
    .toLowerCase();
  return { user_id: row.id, search_text: searchText };
}

/** Writes the search line of a user already loaded in this transaction. */
export async function writeUserSearch(db: Executor, record: UserRecord): Promise<void> {
  const line = userSearchRow(record);
  await db
    .insertInto('user_search')
    .values(line)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ search_text: line.search_text }))
    .execute();
}

/**
 * Takes the row lock a read-modify-write needs on PostgreSQL. SQLite transactions already run one
 * at a time, so there it is a plain read.
 */
export async function lockUserRow(db: Executor, dialect: Dialect, id: string): Promise<UserRow | undefined> {
  return forUpdate(db.selectFrom('users').selectAll().where('id', '=', id), dialect).executeTakeFirst();
}

/** Whether a user may hold sessions: banned, or locked until when. */
export async function readUserRestrictions(db: Executor, id: string): Promise<Pick<UserRow, 'banned' | 'locked_until' | 'totp_enabled' | 'backup_code_enabled'> | undefined> {
  return db.selectFrom('users').select(['banned', 'locked_until', 'totp_enabled', 'backup_code_enabled']).where('id', '=', id).executeTakeFirst();
}

/** A user's standing for a factor check: what the lockout and the ban decide on. */
export async function readVerificationStanding(
  db: Executor,
  id: string,
): Promise<Pick<UserRow, 'banned' | 'locked_until' | 'failed_verification_attempts' | 'password_digest' | 'password_hasher'> | undefined> {
  return db
    .selectFrom('users')
    .select(['banned', 'locked_until', 'failed_verification_attempts', 'password_digest', 'password_hasher'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Counts one verification attempt before it is evaluated, in one statement, so concurrent attempts
 * can never evaluate more than `maxAttempts`: it succeeds only while the user is neither banned nor
 * locked and has attempts left. The attempt that takes the last one locks the user until
 * `lockUntil`. A lock that has run out starts the count afresh. Undefined when refused.
 */
export async function reserveVerificationAttempt(
  db: Executor,
  id: string,
  limits: { now: number; maxAttempts: number; lockUntil: number },
): Promise<{ attempts: number; lockedUntil: number | null } | undefined> {
  const { now, maxAttempts, lockUntil } = limits;
  const lapsed = sql<boolean>`(locked_until is not null and locked_until <= ${now})`;
  const attempts = sql<number>`(case when ${lapsed} then 1 else failed_verification_attempts + 1 end)`;
  const row = await db
    .updateTable('users')
    .set({
      failed_verification_attempts: attempts,
      locked_until: sql<number | null>`(case when ${attempts} >= ${maxAttempts} then ${lockUntil} when ${lapsed} then null else locked_until end)`,
    })
    .where('id', '=', id)
    .where('banned', '=', 0)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .where((eb) => eb.or([eb('failed_verification_attempts', '<', maxAttempts), eb('locked_until', 'is not', null)]))
    .returning(['failed_verification_attempts', 'locked_until'])
    .executeTakeFirst();
  return row ? { attempts: row.failed_verification_attempts, lockedUntil: row.locked_until } : undefined;
}

/**
 * A verification succeeded: the count starts again. A lock set by this very attempt (`lockedUntil`)
 * is lifted with it; any other lock stays.
 */
export async function clearVerificationAttempts(db: Executor, id: string, lockedUntil: number | null): Promise<void> {
  await db
    .updateTable('users')
    .set({ failed_verification_attempts: 0, locked_until: null })
    .where('id', '=', id)
    .where((eb) => (lockedUntil === null ? eb('locked_until', 'is', null) : eb('locked_until', '=', lockedUntil)))
    .execute();
}

/**
 * An attempt ended without evaluating a secret (its code was already used, say): it no longer
 * counts, and the lock it set as the last one allowed (`lockedUntil`), if any, is lifted.
 */
export async function releaseVerificationAttempt(db: Executor, id: string, lockedUntil: number | null): Promise<void> {
  await db
    .updateTable('users')
    .set({
      failed_verification_attempts: sql<number>`(case when failed_verification_attempts > 0 then failed_verification_attempts - 1 else 0 end)`,
      locked_until: lockedUntil === null ? sql<number | null>`locked_until` : sql<number | null>`(case when locked_until = ${lockedUntil} then null else locked_until end)`,
    })
    .where('id', '=', id)
    .execute();
}

/** Writes a new user inside the caller's transaction (a completed sign-up), with the event that records it. */
export async function insertUserRecordIn(trx: Executor, record: UserRecord, event: Insertable<EventTable>): Promise<void> {
  await trx.insertInto('users').values(record.row).execute();
  if (record.emailAddresses.length > 0) await trx.insertInto('email_addresses').values(record.emailAddresses).execute();
  if (record.phoneNumbers.length > 0) await trx.insertInto('phone_numbers').values(record.phoneNumbers).execute();
  if (record.externalAccounts.length > 0) await trx.insertInto('external_accounts').values(record.externalAccounts).execute();
  await trx.insertInto('user_search').values(userSearchRow(record)).execute();
  await trx.insertInto('events').values(event).execute();
}
