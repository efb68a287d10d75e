import { GatehouseError, notFound, paramError } from '../../errors.js';
import { findLatestAddressVerification } from '../../store/repositories/attempt-repository.js';
import { findPhoneNumberRow } from '../../store/repositories/identification-repository.js';
import type { PhoneNumberRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import type { DeletedObject } from '../deleted-object.js';
import type { SignedIn } from '../sessions/signed-in.js';
import { readInstanceSettings } from '../settings/instance-settings.js';
import { checkEmailCode } from '../verifications/email-codes.js';
import { sendPhoneCode } from '../verifications/phone-codes.js';
import { createPhoneNumber, deletePhoneNumber, getPhoneNumber, markPhoneNumberPending, markPhoneNumberVerified } from './identifications.js';
import type { PhoneNumber } from './user.js';

/**
 * A signed-in person's own phone numbers (`/v1/me/phone_numbers`), where the instance has them on:
 * add one, unverified; have a code texted to it; verify it with that code, in the browser that
 * asked; remove one (a phone number is not a way to sign in yet, so any may go). Another user's
 * number is as good as absent.
 */
async function ownNumber(ctx: DomainContext, me: SignedIn, id: string): Promise<PhoneNumberRow> {
  const row = await findPhoneNumberRow(ctx.store.db, id);
  if (!row || row.user_id !== me.userId) throw notFound();
  return row;
}

export async function addOwnPhoneNumber(ctx: DomainContext, me: SignedIn, phoneNumber: string): Promise<PhoneNumber> {
  const settings = await readInstanceSettings(ctx);
  if (!settings.phone_number.enabled) throw paramError('form_param_value_invalid', 'phone_number', 'Phone numbers are not enabled on this instance.');
  return createPhoneNumber(ctx, me.userId, phoneNumber, { verified: false });
}

export async function getOwnPhoneNumber(ctx: DomainContext, me: SignedIn, id: string): Promise<PhoneNumber> {
  return getPhoneNumber(ctx, (await ownNumber(ctx, me, id)).id);
}

export async function removeOwnPhoneNumber(ctx: DomainContext, me: SignedIn, id: string): Promise<DeletedObject> {
  return deletePhoneNumber(ctx, (await ownNumber(ctx, me, id)).id);
}

/** Texts a 6-digit code to a number the person has not verified yet. */
export async function prepareOwnPhoneVerification(ctx: DomainContext, me: SignedIn, id: string, strategy: string): Promise<PhoneNumber> {
  if (strategy !== 'phone_code') throw paramError('form_param_value_invalid', 'strategy', 'strategy must be phone_code.');
  const row = await ownNumber(ctx, me, id);
  if (row.verification_status === 'verified') throw new GatehouseError('verification_already_verified', { meta: { param_name: 'code' } });
  await sendPhoneCode(ctx, { clientId: me.clientId, to: row.phone_number, phoneNumberId: row.id, userId: me.userId });
  await markPhoneNumberPending(ctx, row.id);
  return getPhoneNumber(ctx, row.id);
}

/** Checks the code last texted to the number from this client; a wrong code counts toward the lockout. */
export async function attemptOwnPhoneVerification(ctx: DomainContext, me: SignedIn, id: string, code: string): Promise<PhoneNumber> {
  const row = await ownNumber(ctx, me, id);
  if (row.verification_status === 'verified') throw new GatehouseError('verification_already_verified', { meta: { param_name: 'code' } });
  const verification = await findLatestAddressVerification(ctx.store.db, { clientId: me.clientId, phoneNumberId: row.id, strategy: 'phone_code' });
  await checkEmailCode(ctx, { verificationId: verification?.id ?? null, strategy: 'phone_code', code, userId: me.userId });
  return markPhoneNumberVerified(ctx, row.id);
}
