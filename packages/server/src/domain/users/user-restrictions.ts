import type { Updateable } from 'kysely';
import { notFound } from '../../errors.js';
import { updateExistingUserRow } from '../../store/repositories/user-repository.js';
import type { UserTable } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import { endUserSessions } from '../sessions/sessions.js';
import { getUser } from './get-user.js';
import { recordSecurityEvent, recordUserChange, userPayload } from './user-events.js';
import type { User } from './user.js';

async function patchUser(
  ctx: DomainContext,
  userId: string,
  patch: (now: number) => Updateable<UserTable>,
  options: { endSessions?: 'revoked'; securityEvent?: Parameters<typeof recordSecurityEvent>[2] } = {},
): Promise<User> {
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    const before = await userPayload(ctx, trx, userId);
    if (!(await updateExistingUserRow(trx, userId, { ...patch(now), updated_at: now }))) throw notFound();
    if (options.securityEvent) await recordSecurityEvent(ctx, trx, options.securityEvent, userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
    if (options.endSessions) await endUserSessions(ctx, trx, userId, options.endSessions);
  });
  return getUser(ctx, userId);
}

/** Bans the user and revokes every session at once. */
export const banUser = (ctx: DomainContext, userId: string): Promise<User> => patchUser(ctx, userId, () => ({ banned: 1 }), { endSessions: 'revoked', securityEvent: 'user.banned' });

export const unbanUser = (ctx: DomainContext, userId: string): Promise<User> => patchUser(ctx, userId, () => ({ banned: 0 }), { securityEvent: 'user.unbanned' });

/** Locks for the instance's lockout duration, like a lockout earned by failed attempts, and revokes every session. */
export const lockUser = (ctx: DomainContext, userId: string): Promise<User> =>
  patchUser(ctx, userId, (now) => ({ locked_until: now + ctx.policy.lockout.durationSeconds * 1000 }), { endSessions: 'revoked', securityEvent: 'user.locked' });

/** Lifts the lock and forgets the failed attempts that led to it. */
export const unlockUser = (ctx: DomainContext, userId: string): Promise<User> =>
  patchUser(ctx, userId, () => ({ locked_until: null, failed_verification_attempts: 0 }), { securityEvent: 'user.unlocked' });
