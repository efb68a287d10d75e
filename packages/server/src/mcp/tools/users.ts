import { USER_ORDER_FIELDS } from '../../domain/users/list-users.js';
import { CREATE_USER_FIELDS, UPDATE_USER_FIELDS } from '../../wire/requests/user-body.js';
import { USER_FILTERS } from '../../wire/requests/user-filters.js';
import { apiBody, apiQuery, defineTool, id, limit, metadata, offset, orderBy, seg, toolArguments, type GatehouseTool } from '../tool.js';

const USER_FILTER_NAMES = Object.keys(USER_FILTERS) as (keyof typeof USER_FILTERS)[];
const userFilters = toolArguments(USER_FILTERS, USER_FILTER_NAMES);

const userOrder = orderBy(USER_ORDER_FIELDS, '-created_at');

const PROFILE_FIELDS = [
  'first_name',
  'last_name',
  'username',
  'external_id',
  'public_metadata',
  'private_metadata',
  'unsafe_metadata',
  'skip_password_checks',
] as const;

const userId = { userId: id('user') };

function userAction(name: string, title: string, action: string, access: 'write' | 'destructive', description: string): GatehouseTool {
  return defineTool({
    name,
    title,
    description,
    access,
    input: userId,
    run: (args, api) => api({ method: 'POST', path: `/users/${seg(args.userId)}/${action}` }),
  });
}

function metadataTool(name: string, field: 'public' | 'private' | 'unsafe', description: string): GatehouseTool {
  return defineTool({
    name,
    title: `Update a user's ${field} metadata`,
    description,
    access: 'write',
    input: {
      userId: id('user'),
      metadata: metadata(`The ${field} metadata to merge in: nested objects merge, a key set to null is removed.`),
    },
    run: (args, api) => api({ method: 'PATCH', path: `/users/${seg(args.userId)}/metadata`, body: { [`${field}_metadata`]: args.metadata } }),
  });
}

export const userTools: GatehouseTool[] = [
  defineTool({
    name: 'createUser',
    title: 'Create a user',
    description:
      'Creates a user. Give at least one identifier the instance accepts (emailAddress, phoneNumber or username). ' +
      'A password is checked against the password policy and known breaches unless skipPasswordChecks is true. Returns the new user.',
    access: 'write',
    input: toolArguments(CREATE_USER_FIELDS, ['email_address', 'phone_number', 'password', 'skip_password_requirement', ...PROFILE_FIELDS]),
    run: (args, api) => api({ method: 'POST', path: '/users', body: apiBody(args) }),
  }),
  defineTool({
    name: 'getUser',
    title: 'Get a user',
    description: 'Returns one user by ID: email addresses, phone numbers, names, metadata, ban/lock state, last sign-in and activity.',
    access: 'read',
    input: userId,
    run: (args, api) => api({ method: 'GET', path: `/users/${seg(args.userId)}` }),
  }),
  defineTool({
    name: 'getUserList',
    title: 'List and search users',
    description:
      'Lists users, newest first unless orderBy says otherwise, with every filter of the Backend API. ' +
      'Returns {data: users, total_count: users matching the filters}. Page with limit and offset.',
    access: 'read',
    input: { ...userFilters, orderBy: userOrder.optional(), limit: limit(500, 10).optional(), offset: offset.optional() },
    run: async (args, api) => {
      const query = apiQuery(args);
      const filters = apiQuery(args, ['orderBy', 'limit', 'offset']);
      const [data, count] = await Promise.all([
        api<unknown[]>({ method: 'GET', path: '/users', query }),
        api<{ total_count: number }>({ method: 'GET', path: '/users/count', query: filters }),
      ]);
      return { data, total_count: count.total_count };
    },
  }),
  defineTool({
    name: 'getUserCount',
    title: 'Count users',
    description: 'Counts users, optionally matching the same filters as getUserList. Returns {object: "total_count", total_count}.',
    access: 'read',
    input: userFilters,
    run: (args, api) => api({ method: 'GET', path: '/users/count', query: apiQuery(args) }),
  }),
  defineTool({
    name: 'updateUser',
    title: 'Update a user',
    description:
      'Updates a user. Only the arguments given change. Metadata arguments replace the whole value; to merge, use the update…Metadata tools. ' +
      'Setting password with signOutOfOtherSessions ends the user’s other sessions.',
    access: 'write',
    input: {
      userId: id('user'),
      ...toolArguments(UPDATE_USER_FIELDS, [...PROFILE_FIELDS, 'password', 'sign_out_of_other_sessions']),
      // @clerk/backend spells these two with a capital ID.
      primaryEmailAddressID: UPDATE_USER_FIELDS.primary_email_address_id.optional(),
      primaryPhoneNumberID: UPDATE_USER_FIELDS.primary_phone_number_id.optional(),
    },
    run: (args, api) => api({ method: 'PATCH', path: `/users/${seg(args.userId)}`, body: apiBody(args, ['userId']) }),
  }),
  metadataTool('updateUserPublicMetadata', 'public', 'Merges into a user’s public metadata (readable by the frontend and in session tokens). Do not store secrets here.'),
  metadataTool('updateUserUnsafeMetadata', 'unsafe', 'Merges into a user’s unsafe metadata (the user can change it from the frontend; never trust it for authorization).'),
  metadataTool('updateUserPrivateMetadata', 'private', 'Merges into a user’s private metadata (backend only; never sent to the browser).'),
  defineTool({
    name: 'deleteUser',
    title: 'Delete a user',
    description: 'Deletes a user for good: their sessions end, their memberships and identifiers go. Cannot be undone.',
    access: 'destructive',
    input: userId,
    run: (args, api) => api({ method: 'DELETE', path: `/users/${seg(args.userId)}` }),
  }),
  userAction('banUser', 'Ban a user', 'ban', 'destructive', 'Bans a user: every session ends at once and sign-in is refused until unbanUser.'),
  userAction('unbanUser', 'Unban a user', 'unban', 'write', 'Lifts a ban so the user can sign in again.'),
  userAction('lockUser', 'Lock a user', 'lock', 'write', 'Locks a user (as after too many failed sign-ins): sessions end and sign-in is refused until unlockUser.'),
  userAction('unlockUser', 'Unlock a user', 'unlock', 'write', 'Unlocks a locked user and resets the failed-attempt count.'),
  defineTool({
    name: 'getUserMfa',
    title: 'Check a user’s two-step verification',
    description:
      'Returns whether a user has two-step verification and with what: an authenticator app (totp_enabled), backup codes ' +
      '(backup_code_enabled, backup_codes_remaining), and when it was last turned on and off.',
    access: 'read',
    input: userId,
    run: (args, api) => api({ method: 'GET', path: `/users/${seg(args.userId)}/mfa` }),
  }),
  defineTool({
    name: 'disableUserMFA',
    title: 'Reset a user’s two-step verification',
    description:
      'Removes every second factor a user has (authenticator app and backup codes), for someone who lost them: they then sign in ' +
      'with their first factor alone until they enroll again. Confirm the person’s identity another way first.',
    access: 'destructive',
    input: userId,
    run: (args, api) => api({ method: 'DELETE', path: `/users/${seg(args.userId)}/mfa` }),
  }),
];
