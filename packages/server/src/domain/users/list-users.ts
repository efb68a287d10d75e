import { paramError } from '../../errors.js';
import {
  countUsers as countUserRows,
  findUserCreatedAt,
  listUserIds,
  type IncludeExclude,
  type UserListFilter,
  type UserOrderField,
} from '../../store/repositories/user-list-repository.js';

/** The fields a user list can be ordered by (`order_by=-created_at`, …). */
export { USER_ORDER_FIELDS, type UserOrderField } from '../../store/repositories/user-list-repository.js';
import type { DomainContext } from '../context.js';
import { getUsers } from './get-user.js';
import { normalizeEmail, normalizePhoneForLookup, normalizeUsername } from './identifiers.js';
import type { User } from './user.js';

/** What a user list filters on: the wire's filters (`wire/requests/user-filters.ts`), camelCase. */
export interface UserListQuery {
  emailAddress?: string[];
  phoneNumber?: string[];
  username?: string[];
  userId?: string[];
  externalId?: string[];
  web3Wallet?: string[];
  organizationId?: string[];
  query?: string;
  emailAddressQuery?: string;
  phoneNumberQuery?: string;
  usernameQuery?: string;
  nameQuery?: string;
  banned?: boolean;
  createdAtBefore?: number;
  createdAtAfter?: number;
  lastActiveAtBefore?: number;
  lastActiveAtAfter?: number;
  /** Clerk's older name for `lastActiveAtAfter`. */
  lastActiveAtSince?: number;
  lastSignInAtBefore?: number;
  lastSignInAtAfter?: number;
}

export interface UserListPaging {
  orderBy: { field: UserOrderField; direction: 'asc' | 'desc' };
  limit: number;
  offset: number;
  startingAfter?: string;
}

/** `+id` or `id` includes, `-id` excludes (Clerk's convention for user_id and external_id filters). */
function includeExclude(values: string[]): IncludeExclude {
  const set: IncludeExclude = { include: [], exclude: [] };
  for (const value of values) {
    if (value.startsWith('-')) set.exclude.push(value.slice(1));
    else set.include.push(value.startsWith('+') ? value.slice(1) : value);
  }
  return set;
}

export function toFilter(q: UserListQuery): UserListFilter {
  const filter: UserListFilter = {};
  if (q.emailAddress) filter.emailAddresses = q.emailAddress.map(normalizeEmail);
  if (q.phoneNumber) filter.phoneNumbers = q.phoneNumber.map(normalizePhoneForLookup);
  if (q.username) filter.usernames = q.username.map(normalizeUsername);
  if (q.userId) filter.userIds = includeExclude(q.userId);
  if (q.externalId) filter.externalIds = includeExclude(q.externalId);
  if (q.web3Wallet) filter.web3Wallets = q.web3Wallet;
  if (q.organizationId) filter.organizationIds = includeExclude(q.organizationId);
  if (q.query !== undefined) {
    const terms = q.query.normalize('NFKC').trim().split(/\s+/).filter(Boolean);
    if (terms.length > 0) filter.queryTerms = terms.slice(0, 10);
  }
  if (q.emailAddressQuery) filter.emailAddressQuery = q.emailAddressQuery.trim();
  if (q.phoneNumberQuery) filter.phoneNumberQuery = q.phoneNumberQuery.trim();
  if (q.usernameQuery) filter.usernameQuery = q.usernameQuery.trim();
  if (q.nameQuery) filter.nameQuery = q.nameQuery.trim();
  const lastActiveAtAfter = q.lastActiveAtAfter ?? q.lastActiveAtSince;
  if (lastActiveAtAfter !== undefined) filter.lastActiveAtAfter = lastActiveAtAfter;
  for (const key of ['banned', 'createdAtBefore', 'createdAtAfter', 'lastActiveAtBefore', 'lastSignInAtBefore', 'lastSignInAtAfter'] as const) {
    if (q[key] !== undefined) Object.assign(filter, { [key]: q[key] });
  }
  return filter;
}

export async function listUsers(ctx: DomainContext, query: UserListQuery, paging: UserListPaging): Promise<User[]> {
  let after: { createdAt: number; id: string } | undefined;
  if (paging.startingAfter !== undefined) {
    if (paging.orderBy.field !== 'created_at') {
      throw paramError('form_param_value_invalid', 'starting_after', 'starting_after can only be used when ordering by created_at.');
    }
    if (paging.offset > 0) {
      throw paramError('form_param_value_invalid', 'starting_after', 'starting_after cannot be combined with a non-zero offset.');
    }
    const createdAt = await findUserCreatedAt(ctx.store.db, paging.startingAfter);
    if (createdAt === undefined) {
      throw paramError('form_param_value_invalid', 'starting_after', 'starting_after must be the id of an existing user.');
    }
    after = { createdAt, id: paging.startingAfter };
  }
  const ids = await listUserIds(ctx.store.db, ctx.store.dialect, toFilter(query), {
    order: paging.orderBy,
    limit: paging.limit,
    offset: paging.offset,
    ...(after ? { after } : {}),
  });
  return getUsers(ctx, ids);
}

export function countUsers(ctx: DomainContext, query: UserListQuery): Promise<number> {
  return countUserRows(ctx.store.db, ctx.store.dialect, toFilter(query));
}
