import { z } from 'zod';
import { USER_ORDER_FIELDS } from '../../domain/users/list-users.js';
import { apiBody, apiQuery, defineTool, id, limit, metadata, offset, orderBy, seg, stringList, timestamp, type GatehouseTool } from '../tool.js';

/** The filters of `GET /v1/users`, shared by the list and the count. */
const userFilters = {
  emailAddress: stringList('Exact email addresses to match.').optional(),
  phoneNumber: stringList('Exact phone numbers (E.164) to match.').optional(),
  username: stringList('Exact usernames to match.').optional(),
  userId: stringList('User IDs to match.').optional(),
  externalId: stringList('External IDs to match.').optional(),
  web3Wallet: stringList('Web3 wallet addresses to match.').optional(),
  organizationId: stringList('Only members of these organizations.').optional(),
  query: z.string().max(256).describe('Free-text search over email, phone, username, names and IDs.').optional(),
  emailAddressQuery: z.string().max(256).describe('Substring of an email address.').optional(),
  phoneNumberQuery: z.string().max(256).describe('Substring of a phone number.').optional(),
  usernameQuery: z.string().max(256).describe('Substring of a username.').optional(),
  nameQuery: z.string().max(256).describe('Substring of the first or last name.').optional(),
  banned: z.boolean().describe('Only banned (true) or only not banned (false) users.').optional(),
  createdAtBefore: timestamp('Created before').optional(),
  createdAtAfter: timestamp('Created after').optional(),
  lastActiveAtBefore: timestamp('Last active before').optional(),
  lastActiveAtAfter: timestamp('Last active after').optional(),
  lastActiveAtSince: timestamp('Last active since (same as lastActiveAtAfter)').optional(),
  lastSignInAtBefore: timestamp('Last signed in before').optional(),
  lastSignInAtAfter: timestamp('Last signed in after').optional(),
};

const userOrder = orderBy(USER_ORDER_FIELDS, '-created_at');

const profileFields = {
  firstName: z.string().max(256).describe('First name.').optional(),
  lastName: z.string().max(256).describe('Last name.').optional(),
  username: z.string().max(256).describe('Username (if usernames are enabled).').optional(),
  externalId: z.string().max(256).describe('Your own system’s ID for this user.').optional(),
  publicMetadata: metadata('Metadata readable by the frontend (and included in session tokens). Replaces the current value.').optional(),
  privateMetadata: metadata('Metadata only the backend can read. Replaces the current value.').optional(),
  unsafeMetadata: metadata('Metadata the user can edit from the frontend. Replaces the current value.').optional(),
  skipPasswordChecks: z.boolean().describe('Skip the breached-password and strength checks (for migrations).').optional(),
};

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
    input: {
      emailAddress: stringList('Email addresses; the first becomes primary.').optional(),
      phoneNumber: stringList('Phone numbers in E.164 form (+15555550100); the first becomes primary.').optional(),
      password: z.string().max(1024).describe('Initial password.').optional(),
      skipPasswordRequirement: z.boolean().describe('Allow a user without a password (e.g. one who signs in by email code).').optional(),
      ...profileFields,
    },
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
      ...profileFields,
      password: z.string().max(1024).describe('New password.').optional(),
      signOutOfOtherSessions: z.boolean().describe('With password: end every other session of the user.').optional(),
      primaryEmailAddressID: z.string().describe('ID of one of the user’s verified email addresses to make primary.').optional(),
      primaryPhoneNumberID: z.string().describe('ID of one of the user’s verified phone numbers to make primary.').optional(),
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
];
