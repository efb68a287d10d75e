import type { Executor } from '../../store/db.js';
import { loadUserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData, type EventData } from '../events/catalog.js';
import { toUser } from './to-user.js';

/** The user as a `user.*` webhook carries it (the Backend API's User), read inside the transaction. */
export async function userPayload(ctx: DomainContext, db: Executor, userId: string): Promise<EventData<'user.updated'> | undefined> {
  const record = await loadUserRecord(db, userId);
  return record ? eventData('user.updated', toUser(record, ctx)) : undefined;
}

/**
 * Appends `user.created` or `user.updated` with the user as it now stands; pass the payload read
 * at the start of the transaction as `before` and the event keeps the diff. A change that altered
 * nothing visible appends nothing.
 */
export async function recordUserChange(
  ctx: DomainContext,
  db: Executor,
  userId: string,
  type: 'user.created' | 'user.updated',
  before?: EventData<'user.updated'>,
): Promise<void> {
  const after = await userPayload(ctx, db, userId);
  if (!after) return;
  if (before && JSON.stringify({ ...before, updated_at: 0 }) === JSON.stringify({ ...after, updated_at: 0 })) return;
  await appendEvent(db, { type, data: after, ...(before ? { before } : {}), subjectUserId: userId }, ctx.now());
}

export type SecurityEventType =
  | 'password.changed'
  | 'password.removed'
  | 'user.locked'
  | 'user.unlocked'
  | 'user.banned'
  | 'user.unbanned'
  | 'user.totp_enabled'
  | 'user.totp_disabled'
  | 'user.backup_codes_generated'
  | 'user.backup_codes_removed'
  | 'user.passkey_registered'
  | 'user.passkey_removed';

/** Security events: audited, delivered only to endpoints that subscribe to them by name. */
export async function recordSecurityEvent(
  ctx: DomainContext,
  db: Executor,
  type: SecurityEventType,
  userId: string,
): Promise<void> {
  await appendEvent(db, { type, data: eventData(type, userId), subjectUserId: userId }, ctx.now());
}
