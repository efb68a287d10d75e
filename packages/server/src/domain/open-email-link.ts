import { GatehouseError } from '../errors.js';
import type { DomainContext } from './context.js';
import { completeSignInByLink } from './sign-ins/sign-in-flow.js';
import { completeSignUpByLink } from './sign-ups/sign-up-flow.js';
import { redeemLinkToken } from './verifications/verifications.js';
import { verifyOwnAddressByLink } from './users/own-email-addresses.js';
import type { VerificationRow } from '../store/repositories/attempt-repository.js';

/** What an opened email link did, for the page the browser goes back to (`__clerk_status`). */
export type EmailLinkOutcome = 'verified' | 'expired' | 'failed' | 'client_mismatch';

/**
 * Opens an emailed link. It must be opened in the browser that asked for it (the client its
 * verification is bound to); there, the sign-in or sign-up waiting on it completes into a session,
 * or the signed-in person's address it was sent to is verified.
 */
export async function openEmailLink(ctx: DomainContext, token: string, clientId: string | undefined): Promise<EmailLinkOutcome> {
  let verification: VerificationRow;
  try {
    verification = await redeemLinkToken(ctx, token, clientId);
  } catch (error) {
    if (!(error instanceof GatehouseError)) throw error;
    if (error.code === 'verification_expired') return 'expired';
    if (error.code === 'verification_link_other_client') return 'client_mismatch';
    return 'failed';
  }
  if (await completeSignInByLink(ctx, verification.id)) return 'verified';
  if (await completeSignUpByLink(ctx, verification.id)) return 'verified';
  if (await verifyOwnAddressByLink(ctx, verification)) return 'verified';
  return 'failed';
}
