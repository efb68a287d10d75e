import { GatehouseError, notFound, paramError } from '../../errors.js';
import { findLatestAddressVerification, type VerificationRow } from '../../store/repositories/attempt-repository.js';
import { findEmailAddressRow } from '../../store/repositories/identification-repository.js';
import type { EmailAddressRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import type { SignedIn } from '../sessions/signed-in.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import { checkEmailCode, sendEmailCode } from '../verifications/email-codes.js';
import { sendEmailLink } from '../verifications/email-links.js';
import { createEmailAddress, deleteEmailAddress, getEmailAddress, markEmailAddressPending, markEmailAddressVerified } from './identifications.js';
import { assertSignInRemains } from './sign-in-means.js';
import type { DeletedObject } from '../deleted-object.js';
import type { EmailAddress } from './user.js';

/**
 * A signed-in person's own email addresses (`/v1/me/email_addresses`): add one, unverified; have
 * a code sent to it; verify it with that code, in the browser that asked for it; remove one while
 * another way to sign in remains. Another user's address is as good as absent.
 */
async function ownAddress(ctx: DomainContext, me: SignedIn, id: string): Promise<EmailAddressRow> {
  const row = await findEmailAddressRow(ctx.store.db, id);
  if (!row || row.user_id !== me.userId) throw notFound();
  return row;
}

export async function addOwnEmailAddress(ctx: DomainContext, me: SignedIn, emailAddress: string): Promise<EmailAddress> {
  const settings = await readInstanceSettings(ctx);
  if (!settings.email_address.enabled) throw paramError('form_param_value_invalid', 'email_address', 'Email addresses are not enabled on this instance.');
  return createEmailAddress(ctx, me.userId, emailAddress, { verified: false });
}

export async function getOwnEmailAddress(ctx: DomainContext, me: SignedIn, id: string): Promise<EmailAddress> {
  return getEmailAddress(ctx, (await ownAddress(ctx, me, id)).id);
}

/**
 * Sends a 6-digit code, or a link to open in this browser (`redirect` is where it then lands), to
 * an address the person has not verified yet, by a strategy the instance verifies addresses with.
 */
export async function prepareOwnEmailVerification(ctx: DomainContext, me: SignedIn, id: string, strategy: string, redirect?: URL): Promise<EmailAddress> {
  const settings = await readInstanceSettings(ctx);
  const offered: readonly string[] = settings.email_address.verifications;
  if (!offered.includes(strategy)) throw paramError('form_param_value_invalid', 'strategy', `strategy must be one of ${offered.join(', ')}.`);
  const row = await ownAddress(ctx, me, id);
  if (row.verification_status === 'verified') throw new GatehouseError('verification_already_verified', { meta: { param_name: 'code' } });
  if (strategy === 'email_link') {
    if (!redirect) throw paramError('form_param_missing', 'redirect_url');
    await sendEmailLink(ctx, { clientId: me.clientId, to: row.email_address, emailAddressId: id, userId: me.userId, redirect, purpose: 'verify' });
  } else {
    await sendEmailCode(ctx, { clientId: me.clientId, strategy, to: row.email_address, emailAddressId: id, userId: me.userId, purpose: 'verify' });
  }
  await markEmailAddressPending(ctx, id, strategy);
  return getEmailAddress(ctx, id);
}

/**
 * An opened link that verifies one of a signed-in person's addresses (not a sign-in's or a
 * sign-up's): the address is verified, if it still waits for it. False when the link was for
 * something else.
 */
export async function verifyOwnAddressByLink(ctx: DomainContext, verification: VerificationRow): Promise<boolean> {
  if (!verification.email_address_id || verification.strategy !== 'email_link') return false;
  const row = await findEmailAddressRow(ctx.store.db, verification.email_address_id);
  if (!row) return false;
  if (row.verification_status !== 'verified') await markEmailAddressVerified(ctx, row.id, 'email_link');
  return true;
}

/** Checks the code last sent to the address from this client; a wrong code counts toward the lockout. */
export async function attemptOwnEmailVerification(ctx: DomainContext, me: SignedIn, id: string, code: string): Promise<EmailAddress> {
  const row = await ownAddress(ctx, me, id);
  if (row.verification_status === 'verified') throw new GatehouseError('verification_already_verified', { meta: { param_name: 'code' } });
  const verification = await findLatestAddressVerification(ctx.store.db, { clientId: me.clientId, emailAddressId: id, strategy: 'email_code' });
  await checkEmailCode(ctx, { verificationId: verification?.id ?? null, strategy: 'email_code', code, userId: me.userId });
  return markEmailAddressVerified(ctx, id, 'email_code');
}

/** Removes one of the person's addresses, unless it is the last way they have to sign in. */
export async function removeOwnEmailAddress(ctx: DomainContext, me: SignedIn, id: string): Promise<DeletedObject> {
  const row = await ownAddress(ctx, me, id);
  const settings = await readInstanceSettings(ctx);
  return deleteEmailAddress(ctx, row.id, (trx, user) => assertSignInRemains(trx, settings, user, { emailAddressId: row.id }));
}
