import { z } from 'zod';
import type { UserListQuery } from '../../domain/users/list-users.js';
import { queryBoolean, queryInteger, queryList, queryString } from '../validation.js';

/**
 * The user filters of `GET /v1/users`, shared by every list that filters by user attributes
 * (`/users/count`, organization memberships).
 */
const timestamp = queryInteger(0, 8_640_000_000_000_000);

export const userFilterQuery = z.object({
  email_address: queryList.optional(),
  phone_number: queryList.optional(),
  username: queryList.optional(),
  user_id: queryList.optional(),
  external_id: queryList.optional(),
  web3_wallet: queryList.optional(),
  organization_id: queryList.optional(),
  query: queryString.optional(),
  email_address_query: queryString.optional(),
  phone_number_query: queryString.optional(),
  username_query: queryString.optional(),
  name_query: queryString.optional(),
  banned: queryBoolean.optional(),
  created_at_before: timestamp.optional(),
  created_at_after: timestamp.optional(),
  last_active_at_before: timestamp.optional(),
  last_active_at_after: timestamp.optional(),
  last_active_at_since: timestamp.optional(),
  last_sign_in_at_before: timestamp.optional(),
  last_sign_in_at_after: timestamp.optional(),
});

export function toListQuery(q: z.output<typeof userFilterQuery>): UserListQuery {
  const out: UserListQuery = {};
  const set = <K extends keyof UserListQuery>(key: K, value: UserListQuery[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('emailAddresses', q.email_address);
  set('phoneNumbers', q.phone_number);
  set('usernames', q.username);
  set('userIds', q.user_id);
  set('externalIds', q.external_id);
  set('web3Wallets', q.web3_wallet);
  set('organizationIds', q.organization_id);
  set('query', q.query);
  set('emailAddressQuery', q.email_address_query);
  set('phoneNumberQuery', q.phone_number_query);
  set('usernameQuery', q.username_query);
  set('nameQuery', q.name_query);
  set('banned', q.banned);
  set('createdAtBefore', q.created_at_before);
  set('createdAtAfter', q.created_at_after);
  set('lastActiveAtBefore', q.last_active_at_before);
  set('lastActiveAtAfter', q.last_active_at_after ?? q.last_active_at_since);
  set('lastSignInAtBefore', q.last_sign_in_at_before);
  set('lastSignInAtAfter', q.last_sign_in_at_after);
  return out;
}

