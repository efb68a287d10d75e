import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { queueEmail } from '../email/outbox.js';
import { magicLinkEmail, verificationLinkEmail } from '../email/templates.js';
import { LINK_LIFETIME_MS, startLinkVerification } from './verifications.js';

/**
 * A link mailed to an email address, bound to the client that asked for it: the verification and
 * its mail are written in one transaction. The link goes through the Frontend API's `verify`,
 * built from the public URL (never from the request's Host header), and from there on to
 * `redirect`, which the caller has already checked against the allowed origins.
 */
export async function sendEmailLink(
  ctx: DomainContext,
  input: { clientId: string; to: string; emailAddressId: string | null; userId: string | null; redirect: URL; purpose: 'sign_in' | 'verify' },
): Promise<string> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx: Executor) => {
    const { id, token } = await startLinkVerification(trx, { clientId: input.clientId, strategy: 'email_link', emailAddressId: input.emailAddressId }, now);
    const url = new URL('/fapi/v1/verify', ctx.publicUrl);
    url.searchParams.set('token', token);
    url.searchParams.set('redirect_url', input.redirect.href);
    const content = { applicationName: ctx.policy.applicationName, url: url.href, expiresInMinutes: LINK_LIFETIME_MS / 60_000 };
    const mail = input.purpose === 'sign_in' ? magicLinkEmail(content) : verificationLinkEmail(content);
    await queueEmail(trx, { to: input.to, kind: input.purpose === 'sign_in' ? 'magic_link' : 'verification_link', userId: input.userId, ...mail }, now);
    return id;
  });
}
