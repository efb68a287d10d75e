import { flag, list, text, unixMs } from './fields.js';

/**
 * The user filters of `GET /v1/users`, shared by every list that filters by user attributes
 * (`/users/count`, organization memberships) and by the MCP tools that list and count users.
 * `user_id`, `external_id` and `organization_id` take `-value` to exclude.
 */
export const USER_FILTERS = {
  email_address: list('Exact email addresses to match.'),
  phone_number: list('Exact phone numbers (E.164) to match.'),
  username: list('Exact usernames to match.'),
  user_id: list('User IDs to match.'),
  external_id: list('External IDs to match.'),
  web3_wallet: list('Web3 wallet addresses to match.'),
  organization_id: list('Only members of these organizations.'),
  query: text('Free-text search over email, phone, username, names and IDs.', 1024),
  email_address_query: text('Substring of an email address.', 1024),
  phone_number_query: text('Substring of a phone number.', 1024),
  username_query: text('Substring of a username.', 1024),
  name_query: text('Substring of the first or last name.', 1024),
  banned: flag('Only banned (true) or only not banned (false) users.'),
  created_at_before: unixMs('Created before'),
  created_at_after: unixMs('Created after'),
  last_active_at_before: unixMs('Last active before'),
  last_active_at_after: unixMs('Last active after'),
  last_active_at_since: unixMs('Last active since (same as last_active_at_after)'),
  last_sign_in_at_before: unixMs('Last signed in before'),
  last_sign_in_at_after: unixMs('Last signed in after'),
};
