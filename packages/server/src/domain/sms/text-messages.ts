import { newId } from '../../crypto/ids.js';
import { GatehouseError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { insertSms } from '../../store/repositories/sms-outbox-repository.js';
import type { DomainContext } from '../context.js';
import { CODE_LIFETIME_MS } from '../verifications/verifications.js';

/**
 * Text messages. Gatehouse has no SMS provider yet: a message is kept for the development inbox,
 * and only where that inbox is served (a local server, or the operator's `GATEHOUSE_DEV_INBOX=1`).
 * Anywhere else a code cannot reach the person, so asking for one is refused up front.
 */
export function assertTextMessagesDeliverable(ctx: DomainContext): void {
  if (!ctx.email.devInbox) {
    throw new GatehouseError('service_unavailable', { longMessage: 'Text messages cannot be sent: this server has no SMS provider.' });
  }
}

/** Queues a verification code in the caller's transaction. The body holds the code, so it is never logged or put in an event. */
export async function queueVerificationText(ctx: DomainContext, trx: Executor, input: { to: string; code: string; userId: string | null }, now: number): Promise<void> {
  const body = `${input.code} is your ${ctx.policy.applicationName} verification code. It expires in ${CODE_LIFETIME_MS / 60_000} minutes.`;
  await insertSms(trx, { id: newId('sms', now), to_phone_number: input.to, kind: 'verification_code', body, user_id: input.userId, created_at: now });
}
