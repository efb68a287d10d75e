import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PASSWORD_HASHERS } from '../../crypto/password/index.js';
import type { DomainContext } from '../../domain/context.js';
import { createUser } from '../../domain/users/create-user.js';
import { deleteUser } from '../../domain/users/delete-user.js';
import { getUser } from '../../domain/users/get-user.js';
import { countUsers, listUsers, USER_ORDER_FIELDS, type UserOrderField } from '../../domain/users/list-users.js';
import { updateUser } from '../../domain/users/update-user.js';
import { updateUserMetadata } from '../../domain/users/user-metadata.js';
import { removeUserPassword, setPasswordCompromised, verifyUserPassword } from '../../domain/users/user-passwords.js';
import { banUser, lockUser, unbanUser, unlockUser } from '../../domain/users/user-restrictions.js';
import {
  metadataObject,
  normalizeQuery,
  parseInput,
  queryInteger,
  queryString,
  rfc3339,
  shortText,
} from '../validation.js';
import { serializeUser } from '../../wire/user.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { toListQuery, userFilterQuery } from './user-filter-query.js';

const nullableBoolean = z.boolean().nullish();
const notYetSupported = (feature: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || v === '', {
      message: `${feature} is not supported by this server yet`,
    });

const userFields = {
  external_id: z.string().max(256).nullish(),
  first_name: shortText.nullish(),
  last_name: shortText.nullish(),
  locale: z.string().max(32).nullish(),
  username: shortText.nullish(),
  password: z.string().nullish(),
  password_digest: z.string().max(4096).nullish(),
  password_hasher: z.enum(PASSWORD_HASHERS).nullish(),
  skip_password_checks: nullableBoolean,
  skip_legal_checks: nullableBoolean,
  totp_secret: notYetSupported('totp_secret'),
  backup_codes: notYetSupported('backup_codes'),
  delete_self_enabled: nullableBoolean,
  create_organization_enabled: nullableBoolean,
  create_organizations_limit: z.number().int().min(0).max(1_000_000).nullish(),
  legal_accepted_at: rfc3339.nullish(),
  created_at: rfc3339.nullish(),
};

const stringList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().max(320)).max(100));
const statusList = z.array(z.enum(['verified', 'reserved'])).max(100);

const createUserBody = z.object({
  ...userFields,
  email_address: stringList.optional(),
  email_address_identification_status: statusList.optional(),
  phone_number: stringList.optional(),
  phone_number_identification_status: statusList.optional(),
  web3_wallet: notYetSupported('web3_wallet'),
  skip_password_requirement: nullableBoolean,
  skip_user_requirement: nullableBoolean,
  bypass_client_trust: nullableBoolean,
  public_metadata: metadataObject.nullish(),
  private_metadata: metadataObject.nullish(),
  unsafe_metadata: metadataObject.nullish(),
  banned: nullableBoolean,
  locked: nullableBoolean,
});

const updateUserBody = z.object({
  ...userFields,
  primary_email_address_id: z.string().max(64).nullish(),
  primary_phone_number_id: z.string().max(64).nullish(),
  primary_web3_wallet_id: notYetSupported('primary_web3_wallet_id'),
  sign_out_of_other_sessions: nullableBoolean,
  notify_primary_email_address_changed: nullableBoolean,
  profile_image_id: z.string().nullish(),
  public_metadata: metadataObject.nullish(),
  private_metadata: metadataObject.nullish(),
  unsafe_metadata: metadataObject.nullish(),
});

const metadataBody = z.object({
  public_metadata: metadataObject.nullish(),
  private_metadata: metadataObject.nullish(),
  unsafe_metadata: metadataObject.nullish(),
});

const orderBy = queryString.pipe(
  z
    .string()
    .regex(new RegExp(`^[+-]?(${USER_ORDER_FIELDS.join('|')})$`), `must be one of ${USER_ORDER_FIELDS.join(', ')}, optionally prefixed with + or -`)
    .transform((v) => ({
      field: v.replace(/^[+-]/, '') as UserOrderField,
      direction: v.startsWith('-') ? ('desc' as const) : ('asc' as const),
    })),
);

const userListQuery = userFilterQuery.extend({
  order_by: orderBy.optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
  starting_after: queryString.optional(),
});

const userIdParams = z.object({ user_id: z.string().min(1).max(128) });
const verifyPasswordBody = z.object({ password: z.string() });
const removePasswordBody = z.object({ sign_out_of_other_sessions: nullableBoolean });
const compromisedBody = z.object({ revoke_all_sessions: nullableBoolean });

export function registerUserRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/users', async (request) => {
    const q = parseInput(userListQuery, normalizeQuery(request.query));
    const users = await listUsers(ctx, toListQuery(q), {
      orderBy: q.order_by ?? { field: 'created_at', direction: 'desc' },
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
      ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
    });
    return users.map(serializeUser);
  });

  app.get('/users/count', async (request) => {
    const q = parseInput(userFilterQuery, normalizeQuery(request.query));
    return { object: 'total_count', total_count: await countUsers(ctx, toListQuery(q)) };
  });

  app.post('/users', async (request) => {
    const b = parseInput(createUserBody, request.body);
    const user = await createUser(ctx, {
      externalId: b.external_id,
      firstName: b.first_name,
      lastName: b.last_name,
      locale: b.locale,
      emailAddresses: b.email_address,
      emailAddressStatuses: b.email_address_identification_status,
      phoneNumbers: b.phone_number,
      phoneNumberStatuses: b.phone_number_identification_status,
      username: b.username,
      password: b.password,
      passwordDigest: b.password_digest,
      passwordHasher: b.password_hasher,
      skipPasswordChecks: b.skip_password_checks,
      skipUserRequirement: b.skip_user_requirement,
      publicMetadata: b.public_metadata ?? {},
      privateMetadata: b.private_metadata ?? {},
      unsafeMetadata: b.unsafe_metadata ?? {},
      deleteSelfEnabled: b.delete_self_enabled,
      createOrganizationEnabled: b.create_organization_enabled,
      createOrganizationsLimit: b.create_organizations_limit,
      legalAcceptedAt: b.legal_accepted_at,
      createdAt: b.created_at,
      banned: b.banned,
      locked: b.locked,
    });
    return serializeUser(user);
  });

  app.get('/users/:user_id', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    return serializeUser(await getUser(ctx, user_id));
  });

  app.patch('/users/:user_id', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    const b = parseInput(updateUserBody, request.body);
    const user = await updateUser(ctx, user_id, {
      externalId: b.external_id,
      firstName: b.first_name,
      lastName: b.last_name,
      username: b.username,
      locale: b.locale,
      password: b.password,
      passwordDigest: b.password_digest,
      passwordHasher: b.password_hasher,
      skipPasswordChecks: b.skip_password_checks,
      signOutOfOtherSessions: b.sign_out_of_other_sessions,
      primaryEmailAddressId: b.primary_email_address_id,
      primaryPhoneNumberId: b.primary_phone_number_id,
      publicMetadata: b.public_metadata,
      privateMetadata: b.private_metadata,
      unsafeMetadata: b.unsafe_metadata,
      deleteSelfEnabled: b.delete_self_enabled,
      createOrganizationEnabled: b.create_organization_enabled,
      createOrganizationsLimit: b.create_organizations_limit,
      legalAcceptedAt: b.legal_accepted_at,
      createdAt: b.created_at,
    });
    return serializeUser(user);
  });

  app.delete('/users/:user_id', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    return serializeDeleted(await deleteUser(ctx, user_id));
  });

  for (const [method, mode] of [
    ['patch', 'merge'],
    ['put', 'replace'],
  ] as const) {
    app[method]('/users/:user_id/metadata', async (request) => {
      const { user_id } = parseInput(userIdParams, request.params);
      const b = parseInput(metadataBody, request.body);
      const user = await updateUserMetadata(
        ctx,
        user_id,
        { publicMetadata: b.public_metadata, privateMetadata: b.private_metadata, unsafeMetadata: b.unsafe_metadata },
        mode,
      );
      return serializeUser(user);
    });
  }

  const restrictions = { ban: banUser, unban: unbanUser, lock: lockUser, unlock: unlockUser };
  for (const [action, operation] of Object.entries(restrictions)) {
    app.post(`/users/:user_id/${action}`, async (request) => {
      const { user_id } = parseInput(userIdParams, request.params);
      return serializeUser(await operation(ctx, user_id));
    });
  }

  app.post('/users/:user_id/verify_password', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    const { password } = parseInput(verifyPasswordBody, request.body);
    return verifyUserPassword(ctx, user_id, password);
  });

  app.post('/users/:user_id/remove_password', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    const b = parseInput(removePasswordBody, request.body);
    return serializeUser(await removeUserPassword(ctx, user_id, { signOut: b.sign_out_of_other_sessions === true }));
  });

  for (const [action, compromised] of [
    ['set_compromised', true],
    ['unset_compromised', false],
  ] as const) {
    app.post(`/users/:user_id/password/${action}`, async (request) => {
      const { user_id } = parseInput(userIdParams, request.params);
      const b = parseInput(compromisedBody, request.body);
      return serializeUser(await setPasswordCompromised(ctx, user_id, compromised, { revokeSessions: b.revoke_all_sessions === true }));
    });
  }
}
