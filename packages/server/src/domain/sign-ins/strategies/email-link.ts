import { GatehouseError, notFound } from '../../../errors.js';
import { requireAllowedRedirect } from '../../redirects.js';
import { sendEmailLink } from '../../verifications/email-links.js';
import { signInEmailAddress } from './email-address.js';
import type { FirstFactorStrategy } from './index.js';

/**
 * A link mailed to the account's email address. Opening it (`GET /fapi/v1/verify`) in the browser
 * that asked for it completes the sign-in; the tab that is waiting sees it on its next poll. The
 * link is built from the public URL, never from the request's Host header.
 */
export const emailLinkStrategy: FirstFactorStrategy = {
  offers(subject) {
    const { settings } = subject;
    const enabled = settings.email_address.enabled && settings.email_address.used_for_first_factor && settings.email_address.first_factors.includes('email_link');
    const address = enabled ? signInEmailAddress(subject) : undefined;
    if (!address) return [];
    return [{ strategy: 'email_link', safeIdentifier: address.email_address, emailAddressId: address.id, primary: address.id === subject.user.row.primary_email_address_id }];
  },

  async prepare(ctx, subject, input) {
    const address = signInEmailAddress(subject);
    if (!address) throw notFound();
    const redirect = requireAllowedRedirect(ctx, input.redirectUrl);
    return sendEmailLink(ctx, { clientId: subject.signIn.client_id, to: address.email_address, emailAddressId: address.id, userId: subject.user.row.id, redirect, purpose: 'sign_in' });
  },

  async attempt() {
    // A link is verified by opening it, not by posting anything back.
    throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  },
};
