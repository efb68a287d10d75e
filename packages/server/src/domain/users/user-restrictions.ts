import { notFound } from '../../errors.js';
import type { UserTable } from '../../store/schema.js';
import type { Updateable } from 'kysely';
import type { DomainContext } from '../context.js';
import { getUser } from './get-user.js';
import type { User } from './user.js';

async function patchUser(ctx: DomainContext, userId: string, patch: (now: number) => Updateable<UserTable>): Promise<User> {
  const now = ctx.now();
  const result = await ctx.store.db
    .updateTable('users')
    .set({ ...patch(now), updated_at: now })
    .where('id', '=', userId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound();
  return getUser(ctx, userId);
}

export const banUser = (ctx: DomainContext, userId: string): Promise<User> => patchUser(ctx, userId, () => ({ banned: 1 }));

export const unbanUser = (ctx: DomainContext, userId: string): Promise<User> => patchUser(ctx, userId, () => ({ banned: 0 }));

/** Locks for the instance's lockout duration, like a lockout earned by failed attempts. */
export const lockUser = (ctx: DomainContext, userId: string): Promise<User> =>
  patchUser(ctx, userId, (now) => ({ locked_until: now + ctx.policy.lockout.durationSeconds * 1000 }));

/** Lifts the lock and forgets the failed attempts that led to it. */
export const unlockUser = (ctx: DomainContext, userId: string): Promise<User> =>
  patchUser(ctx, userId, () => ({ locked_until: null, failed_verification_attempts: 0 }));
