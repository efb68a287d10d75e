import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { createUser, type CreateUserInput } from '../../domain/users/create-user.js';
import { deleteUser } from '../../domain/users/delete-user.js';
import { getUser } from '../../domain/users/get-user.js';
import { countUsers, listUsers, USER_ORDER_FIELDS, type UserOrderField } from '../../domain/users/list-users.js';
import { updateUser, type UpdateUserInput } from '../../domain/users/update-user.js';
import { updateUserMetadata } from '../../domain/users/user-metadata.js';
import { removeUserPassword, setPasswordCompromised, verifyUserPassword } from '../../domain/users/user-passwords.js';
import { banUser, lockUser, unbanUser, unlockUser } from '../../domain/users/user-restrictions.js';
import { deleteUserProfileImage, setUserProfileImage } from '../../domain/users/profile-image.js';
import { uploadedImage } from '../images.js';
import { metadataObject, normalizeQuery, parseInput, queryInteger, queryString } from '../validation.js';
import { serializeUser } from '../../wire/user.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { userFilterQuery } from './user-filter-query.js';
import { camelKeys } from '../../wire/requests/fields.js';
import { CREATE_USER_FIELDS, UPDATE_USER_FIELDS } from '../../wire/requests/user-body.js';

const nullableBoolean = z.boolean().nullish();
const createUserBody = z.object(CREATE_USER_FIELDS).transform(camelKeys) satisfies z.ZodType<CreateUserInput>;
const updateUserBody = z.object(UPDATE_USER_FIELDS).transform(camelKeys) satisfies z.ZodType<UpdateUserInput>;

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

const userPagingQuery = z.object({
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
    const query = normalizeQuery(request.query);
    const filters = parseInput(userFilterQuery, query);
    const q = parseInput(userPagingQuery, query);
    const users = await listUsers(ctx, filters, {
      orderBy: q.order_by ?? { field: 'created_at', direction: 'desc' },
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
      ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
    });
    return users.map(serializeUser);
  });

  app.get('/users/count', async (request) => {
    const filters = parseInput(userFilterQuery, normalizeQuery(request.query));
    return { object: 'total_count', total_count: await countUsers(ctx, filters) };
  });

  app.post('/users', async (request) => {
    const user = await createUser(ctx, parseInput(createUserBody, request.body));
    return serializeUser(user);
  });

  app.get('/users/:user_id', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    return serializeUser(await getUser(ctx, user_id));
  });

  app.patch('/users/:user_id', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    const user = await updateUser(ctx, user_id, parseInput(updateUserBody, request.body));
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

  app.post('/users/:user_id/profile_image', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    return serializeUser(await setUserProfileImage(ctx, user_id, await uploadedImage(request)));
  });

  app.delete('/users/:user_id/profile_image', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    return serializeUser(await deleteUserProfileImage(ctx, user_id));
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
