import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { assertTextMessagesDeliverable, queueVerificationText } from '../sms/text-messages.js';
import { startCodeVerification } from './verifications.js';

/**
 * A code sent to a phone number as a text message: the verification and its message are written
 * in one transaction, like an emailed code, and checked the same way (`checkEmailCode` takes any code).
 */
export async function sendPhoneCode(ctx: DomainContext, input: { clientId: string; to: string; phoneNumberId: string; userId: string | null }): Promise<string> {
  assertTextMessagesDeliverable(ctx);
  const now = ctx.now();
  return ctx.store.transaction(async (trx: Executor) => {
    const { id, code } = await startCodeVerification(ctx, trx, { clientId: input.clientId, strategy: 'phone_code', phoneNumberId: input.phoneNumberId }, now);
    await queueVerificationText(ctx, trx, { to: input.to, code, userId: input.userId }, now);
    return id;
  });
}
