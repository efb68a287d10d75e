import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Dialect, Executor } from '../db.js';
import type { Database } from '../schema.js';
import { inList } from '../in-list.js';
import { containsPattern } from '../like-pattern.js';

export interface IncludeExclude {
  include: string[];
  exclude: string[];
}

export interface UserListFilter {
  emailAddresses?: string[];
  phoneNumbers?: string[];
  usernames?: string[];
  userIds?: IncludeExclude;
  externalIds?: IncludeExclude;
  web3Wallets?: string[];
  organizationIds?: IncludeExclude;
  /** Whitespace-separated terms; each must appear somewhere in the user's identifying text. */
  queryTerms?: string[];
  emailAddressQuery?: string;
  phoneNumberQuery?: string;
  usernameQuery?: string;
  nameQuery?: string;
  banned?: boolean;
  createdAtBefore?: number;
  createdAtAfter?: number;
  lastActiveAtBefore?: number;
  lastActiveAtAfter?: number;
  lastSignInAtBefore?: number;
  lastSignInAtAfter?: number;
}

export const USER_ORDER_FIELDS = [
  'created_at',
  'updated_at',
  'email_address',
  'phone_number',
  'username',
  'first_name',
  'last_name',
  'last_sign_in_at',
  'last_active_at',
  'web3wallet',
] as const;
export type UserOrderField = (typeof USER_ORDER_FIELDS)[number];

export interface UserListPage {
  order: { field: UserOrderField; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
  /** Cursor: the created_at and id of the last user of the previous page (created_at order only). */
  after?: { createdAt: number; id: string };
}

type UsersQuery = SelectQueryBuilder<Database, 'users', object>;
type Eb = ExpressionBuilder<Database, 'users'>;

/** `GLOB` pattern for a literal substring: FTS5's trigram index serves GLOB with wildcards only at the ends. */
function containsGlob(term: string): string {
  return `*${term.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

function like(column: Expression<unknown>, term: string) {
  return sql<SqlBool>`lower(${column}) like ${containsPattern(term.toLowerCase())} escape '\\'`;
}

function searchCondition(dialect: Dialect, term: string) {
  const needle = term.toLowerCase();
  if (dialect === 'postgres') {
    return sql<SqlBool>`users.id in (select user_id from user_search where search_text like ${containsPattern(needle)} escape '\\')`;
  }
  // A quoted FTS5 phrase of 3+ characters is a substring match served by the trigram index alone;
  // GLOB would re-check every candidate row's text. Shorter terms have no trigram to look up.
  const fts = [...needle].length >= 3 ? sql`user_search_fts match ${`"${needle.replace(/"/g, '""')}"`}` : sql`search_text glob ${containsGlob(needle)}`;
  return sql<SqlBool>`users.id in (select user_id from user_search where seq in (select rowid from user_search_fts where ${fts}))`;
}

function applyIncludeExclude(eb: Eb, column: 'users.id' | 'users.external_id', set: IncludeExclude, conditions: Expression<SqlBool>[]): void {
  if (set.include.length > 0) conditions.push(eb(column, 'in', set.include));
  if (set.exclude.length > 0) {
    // NOT IN would drop rows whose column is NULL; an excluded value can never match those.
    conditions.push(eb.or([eb(column, 'is', null), eb(column, 'not in', set.exclude)]));
  }
}

function applyFilter(query: UsersQuery, dialect: Dialect, filter: UserListFilter): UsersQuery {
  return query.where((eb) => {
    const conditions: Expression<SqlBool>[] = [];
    if (filter.emailAddresses) {
      conditions.push(
        eb('users.id', 'in', eb.selectFrom('email_addresses').select('user_id').where('email_address', 'in', inList(filter.emailAddresses))),
      );
    }
    if (filter.phoneNumbers) {
      conditions.push(
        eb('users.id', 'in', eb.selectFrom('phone_numbers').select('user_id').where('phone_number', 'in', inList(filter.phoneNumbers))),
      );
    }
    if (filter.usernames) conditions.push(eb('users.username', 'in', inList(filter.usernames)));
    if (filter.userIds) applyIncludeExclude(eb, 'users.id', filter.userIds, conditions);
    if (filter.externalIds) applyIncludeExclude(eb, 'users.external_id', filter.externalIds, conditions);
    if (filter.organizationIds) {
      const { include, exclude } = filter.organizationIds;
      const members = (ids: string[]) => eb.selectFrom('organization_memberships').select('user_id').where('organization_id', 'in', ids);
      if (include.length > 0) conditions.push(eb('users.id', 'in', members(include)));
      if (exclude.length > 0) conditions.push(eb('users.id', 'not in', members(exclude)));
    }
    // No web3 wallets are stored, so a wallet filter matches nobody.
    if (filter.web3Wallets) conditions.push(sql<SqlBool>`1 = 0`);
    for (const term of filter.queryTerms ?? []) conditions.push(searchCondition(dialect, term));
    if (filter.emailAddressQuery !== undefined) {
      const q = filter.emailAddressQuery;
      conditions.push(eb('users.id', 'in', eb.selectFrom('email_addresses').select('user_id').where(() => like(sql.ref('email_address'), q))));
    }
    if (filter.phoneNumberQuery !== undefined) {
      const q = filter.phoneNumberQuery;
      conditions.push(eb('users.id', 'in', eb.selectFrom('phone_numbers').select('user_id').where(() => like(sql.ref('phone_number'), q))));
    }
    if (filter.usernameQuery !== undefined) conditions.push(like(sql.ref('users.username'), filter.usernameQuery));
    if (filter.nameQuery !== undefined) {
      const q = filter.nameQuery;
      conditions.push(
        eb.or([
          like(sql.ref('users.first_name'), q),
          like(sql.ref('users.last_name'), q),
          like(sql`coalesce(users.first_name, '') || ' ' || coalesce(users.last_name, '')`, q),
        ]),
      );
    }
    if (filter.banned !== undefined) conditions.push(eb('users.banned', '=', filter.banned ? 1 : 0));
    if (filter.createdAtBefore !== undefined) conditions.push(eb('users.created_at', '<', filter.createdAtBefore));
    if (filter.createdAtAfter !== undefined) conditions.push(eb('users.created_at', '>', filter.createdAtAfter));
    if (filter.lastActiveAtBefore !== undefined) conditions.push(eb('users.last_active_at', '<', filter.lastActiveAtBefore));
    if (filter.lastActiveAtAfter !== undefined) conditions.push(eb('users.last_active_at', '>', filter.lastActiveAtAfter));
    if (filter.lastSignInAtBefore !== undefined) conditions.push(eb('users.last_sign_in_at', '<', filter.lastSignInAtBefore));
    if (filter.lastSignInAtAfter !== undefined) conditions.push(eb('users.last_sign_in_at', '>', filter.lastSignInAtAfter));
    return eb.and(conditions);
  });
}

/**
 * What a list is sorted by. The primary email and phone come from a join (`primaryJoin`), not a
 * correlated subquery per user, which deep pages pay for once per user they skip.
 */
function orderExpression(field: UserOrderField): { expression: Expression<unknown>; nullable: boolean; primaryJoin?: 'email_addresses' | 'phone_numbers' } {
  switch (field) {
    case 'created_at':
    case 'updated_at':
      return { expression: sql.ref(`users.${field}`), nullable: false };
    case 'username':
    case 'first_name':
    case 'last_name':
    case 'last_sign_in_at':
    case 'last_active_at':
      return { expression: sql.ref(`users.${field}`), nullable: true };
    case 'email_address':
      return { expression: sql.ref('order_primary.email_address'), nullable: true, primaryJoin: 'email_addresses' };
    case 'phone_number':
      return { expression: sql.ref('order_primary.phone_number'), nullable: true, primaryJoin: 'phone_numbers' };
    case 'web3wallet':
      // Web3 wallets are not supported: every user ties, so the id decides.
      return { expression: sql`users.created_at`, nullable: false };
  }
}

export async function listUserIds(db: Executor, dialect: Dialect, filter: UserListFilter, page: UserListPage): Promise<string[]> {
  const { field, direction } = page.order;
  const { expression, nullable, primaryJoin } = orderExpression(field);
  let query = applyFilter(db.selectFrom('users'), dialect, filter);
  if (primaryJoin) query = joinPrimary(query, primaryJoin);
  if (page.after) {
    const { createdAt, id } = page.after;
    const cmp = direction === 'desc' ? '<' : '>';
    query = query.where((eb) =>
      eb.or([eb('users.created_at', cmp, createdAt), eb.and([eb('users.created_at', '=', createdAt), eb('users.id', cmp, id)])]),
    );
  }
  // Both dialects get the same explicit null placement, so a list reads the same on either store;
  // non-null columns keep plain ordering so their indexes serve the sort.
  const dir = direction === 'desc' ? sql`desc` : sql`asc`;
  const rows = await query
    .select('users.id')
    .orderBy(nullable ? sql`${expression} ${dir} nulls last` : sql`${expression} ${dir}`)
    .orderBy(sql`users.id ${dir}`)
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map((r) => r.id);
}

/** Each user's primary email or phone as `order_primary` (none: null), for the sort to name. */
function joinPrimary(query: UsersQuery, table: 'email_addresses' | 'phone_numbers'): UsersQuery {
  const joined =
    table === 'email_addresses'
      ? query.leftJoin('email_addresses as order_primary', 'order_primary.id', 'users.primary_email_address_id')
      : query.leftJoin('phone_numbers as order_primary', 'order_primary.id', 'users.primary_phone_number_id');
  // A left join on a primary key keeps one row per user, and the rest of the query names none of
  // the joined columns through the builder: only the sort does, as a raw reference.
  return joined as unknown as UsersQuery;
}

/** The ids of users matching `filter`, as a subquery other lists (memberships) can filter by. */
export function selectUserIdsMatching(db: Executor, dialect: Dialect, filter: UserListFilter) {
  return applyFilter(db.selectFrom('users'), dialect, filter).select('users.id');
}

export async function countUsers(db: Executor, dialect: Dialect, filter: UserListFilter): Promise<number> {
  const row = await applyFilter(db.selectFrom('users'), dialect, filter)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findUserCreatedAt(db: Executor, id: string): Promise<number | undefined> {
  const row = await db.selectFrom('users').select('created_at').where('id', '=', id).executeTakeFirst();
  return row?.created_at;
}
