import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { queueEmail } from '../email/outbox.js';
import { invitationEmail } from '../email/templates.js';

/**
 * Queues the invitation email with its accept link in the transaction that creates the
 * invitation, so an acknowledged invitation is never left unsent. The link, which carries the
 * ticket, lives only in the body.
 */
export async function queueInvitationEmail(
  ctx: DomainContext,
  trx: Executor,
  input: { to: string; url: string; organizationName?: string | undefined },
  now: number,
): Promise<void> {
  const mail = invitationEmail({
    applicationName: ctx.policy.applicationName,
    url: input.url,
    ...(input.organizationName !== undefined ? { organizationName: input.organizationName } : {}),
  });
  await queueEmail(trx, { to: input.to, kind: 'invitation', userId: null, ...mail }, now);
}
