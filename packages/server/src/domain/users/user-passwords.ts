import { GatehouseError, notFound } from '../../errors.js';
import { lockUserRow, readPasswordCredential, readVerificationStanding, updateUserRow, upgradePasswordDigest } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { endUserSessions } from '../sessions/sessions.js';
import { getUser } from './get-user.js';
import type { RemovalGuard } from './identifications.js';
import { assertMayVerify, verifyUnderLockout } from './lockout.js';
import { recordSecurityEvent, recordUserChange, userPayload } from './user-events.js';
import { checkStoredPassword } from './password-credential.js';
import type { User } from './user.js';

async function readCredential(ctx: DomainContext, userId: string) {
  const row = await readPasswordCredential(ctx.store.db, userId);
  if (!row) throw notFound();
  return row;
}

/**
 * Checks a password for an application's own flow, as one attempt under the lockout: a banned or
 * locked user is refused before anything is compared. A match against an imported or weaker digest
 * replaces it with a fresh argon2id hash, guarded so a concurrent password change is not undone.
 */
export async function verifyUserPassword(ctx: DomainContext, userId: string, password: string, paramName = 'password'): Promise<{ verified: true }> {
  const standing = await readVerificationStanding(ctx.store.db, userId);
  if (!standing) throw notFound();
  assertMayVerify(standing, ctx.now());
  const { password_digest: digest, password_hasher: hasher } = standing;
  if (digest === null || hasher === null) throw new GatehouseError('password_not_set');
  const check = await verifyUnderLockout(
    ctx,
    userId,
    async () => {
      const result = await checkStoredPassword({ digest, hasher }, password);
      return result.matches ? result : false;
    },
    () => new GatehouseError('form_password_incorrect', { meta: { param_name: paramName } }),
  );
  if (check.upgrade) await upgradePasswordDigest(ctx.store.db, userId, digest, check.upgrade);
  return { verified: true };
}

/** Removes the password; with `signOut`, every session the user has ends with it. */
export async function removeUserPassword(ctx: DomainContext, userId: string, options: { signOut?: boolean; guard?: RemovalGuard } = {}): Promise<User> {
  const row = await readCredential(ctx, userId);
  if (row.password_digest === null) return getUser(ctx, userId);
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    if (options.guard) {
      const user = await lockUserRow(trx, ctx.store.dialect, userId);
      if (!user) throw notFound();
      await options.guard(trx, user);
    }
    const before = await userPayload(ctx, trx, userId);
    await updateUserRow(trx, userId, {
      password_digest: null,
      password_hasher: null,
      password_updated_at: now,
      password_compromised_at: null,
      updated_at: now,
    });
    await recordSecurityEvent(ctx, trx, 'password.removed', userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
    if (options.signOut) await endUserSessions(ctx, trx, userId, 'revoked');
  });
  return getUser(ctx, userId);
}

export async function setPasswordCompromised(ctx: DomainContext, userId: string, compromised: boolean, options: { revokeSessions?: boolean } = {}): Promise<User> {
  const row = await readCredential(ctx, userId);
  if (row.password_digest === null) throw new GatehouseError('password_not_set');
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    await updateUserRow(trx, userId, { password_compromised_at: compromised ? now : null, updated_at: now });
    if (options.revokeSessions) await endUserSessions(ctx, trx, userId, 'revoked');
  });
  return getUser(ctx, userId);
}
