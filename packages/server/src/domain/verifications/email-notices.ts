import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { queueEmail } from '../email/outbox.js';
import { signInNoAccountEmail, signUpAccountExistsEmail } from '../email/templates.js';
import { startCodeVerification, startLinkVerification } from './verifications.js';

/**
 * Under enumeration protection the page is shown a code or link "sent" while the address gets a
 * notice instead — no account uses it (sign-in), or one already does (sign-up): a verification
 * nobody can answer, and the notice queued in one transaction, as a real code or link and its mail
 * are written. Resolves with the verification's id.
 */
export async function startUnanswerableVerification(
  ctx: DomainContext,
  input: { clientId: string; strategy: 'email_code' | 'email_link' | 'reset_password_email_code'; to: string; emailAddressId: string | null; notice: 'sign_in_no_account' | 'sign_up_account_exists' },
): Promise<string> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx: Executor) => {
    const verification = { clientId: input.clientId, strategy: input.strategy, emailAddressId: input.emailAddressId };
    const { id } = input.strategy === 'email_link' ? await startLinkVerification(trx, verification, now) : await startCodeVerification(ctx, trx, verification, now);
    const content = { applicationName: ctx.policy.applicationName, emailAddress: input.to };
    const mail = input.notice === 'sign_in_no_account' ? signInNoAccountEmail(content) : signUpAccountExistsEmail(content);
    await queueEmail(trx, { to: input.to, kind: input.notice, userId: null, ...mail }, now);
    return id;
  });
}

