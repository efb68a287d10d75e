import type { Updateable } from 'kysely';
import { notFound } from '../../errors.js';
import type { UserTable } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import type { Actor } from '../events/append-event.js';
import { endUserSessions } from '../sessions/sessions.js';
import { getUser } from './get-user.js';
import type { User } from './user.js';

async function patchUser(
  ctx: DomainContext,
  userId: string,
  patch: (now: number) => Updateable<UserTable>,
  options: { endSessions?: 'revoked'; actor?: Actor } = {},
): Promise<User> {
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({ ...patch(now), updated_at: now })
      .where('id', '=', userId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound();
    if (options.endSessions) await endUserSessions(trx, now, userId, options.endSessions, options.actor);
  });
  return getUser(ctx, userId);
}

/** Bans the user and revokes every session at once. */
export const banUser = (ctx: DomainContext, userId: string, actor?: Actor): Promise<User> =>
  patchUser(ctx, userId, () => ({ banned: 1 }), { endSessions: 'revoked', ...(actor ? { actor } : {}) });

export const unbanUser = (ctx: DomainContext, userId: string): Promise<User> => patchUser(ctx, userId, () => ({ banned: 0 }));

/** Locks for the instance's lockout duration, like a lockout earned by failed attempts, and revokes every session. */
export const lockUser = (ctx: DomainContext, userId: string, actor?: Actor): Promise<User> =>
  patchUser(ctx, userId, (now) => ({ locked_until: now + ctx.policy.lockout.durationSeconds * 1000 }), {
    endSessions: 'revoked',
    ...(actor ? { actor } : {}),
  });

/** Lifts the lock and forgets the failed attempts that led to it. */
export const unlockUser = (ctx: DomainContext, userId: string): Promise<User> =>
  patchUser(ctx, userId, () => ({ locked_until: null, failed_verification_attempts: 0 }));
