import { newId } from '../../crypto/ids.js';
import { notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  deleteIdentificationRow,
  anyEmailAddressTaken,
  findEmailAddressRow,
  findIdentificationOwner,
  findPhoneNumberRow,
  insertEmailAddress,
  insertPhoneNumber,
  oldestVerifiedIdentification,
  phoneNumberTaken,
  readIdentificationVerification,
  updateIdentificationRow,
} from '../../store/repositories/identification-repository.js';
import { lockUserRow, refreshUserSearch, updateUserRow, type UserRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { identifierTaken, withIdentifierConflicts } from './identifier-conflicts.js';
import { parseEmailAddress, parsePhoneNumber } from './identifiers.js';
import { toEmailAddress, toPhoneNumber } from './to-user.js';
import { recordUserChange, userPayload } from './user-events.js';
import type { DeletedObject } from '../deleted-object.js';
import type { EmailAddress, PhoneNumber } from './user.js';

/**
 * Email addresses and phone numbers behave alike: unique across the instance, one of each kind is
 * the user's primary, only a verified one can become primary, and deleting the primary hands the
 * role to the user's oldest remaining verified one of that kind.
 */
interface Kind {
  table: 'email_addresses' | 'phone_numbers';
  column: 'email_address' | 'phone_number';
  primaryColumn: 'primary_email_address_id' | 'primary_phone_number_id';
  object: 'email_address' | 'phone_number';
}

const EMAIL: Kind = { table: 'email_addresses', column: 'email_address', primaryColumn: 'primary_email_address_id', object: 'email_address' };
const PHONE: Kind = { table: 'phone_numbers', column: 'phone_number', primaryColumn: 'primary_phone_number_id', object: 'phone_number' };

export interface IdentificationChanges {
  verified?: boolean | null;
  primary?: boolean | null;
  reservedForSecondFactor?: boolean | null;
}

async function findOwner(db: Executor, kind: Kind, id: string): Promise<string> {
  const owner = await findIdentificationOwner(db, kind.table, id);
  if (owner === undefined) throw notFound();
  return owner;
}

async function nextPrimary(db: Executor, kind: Kind, userId: string, excludingId: string): Promise<string | null> {
  return oldestVerifiedIdentification(db, kind.table, userId, excludingId);
}

async function create(ctx: DomainContext, kind: Kind, userId: string, value: string, changes: IdentificationChanges): Promise<string> {
  if (changes.primary && !changes.verified) {
    throw paramError('form_param_value_invalid', 'primary', 'Only a verified identification can be made primary; set verified to true.');
  }
  const now = ctx.now();
  const id = newId('idn', now);
  await withIdentifierConflicts(() =>
    ctx.store.transaction(async (trx) => {
      const user = await lockUserRow(trx, ctx.store.dialect, userId);
      if (!user) throw paramError('form_param_value_invalid', 'user_id', 'user_id must be the id of an existing user.');
      const before = await userPayload(ctx, trx, userId);
      const taken = kind === EMAIL ? await anyEmailAddressTaken(trx, [value]) : await phoneNumberTaken(trx, value);
      if (taken) throw identifierTaken(kind.column);
      const verification = changes.verified ? { verification_status: 'verified' as const, verification_strategy: 'admin' } : { verification_status: null, verification_strategy: null };
      const common = { id, user_id: userId, reserved: 0 as const, created_at: now, updated_at: now, ...verification };
      if (kind === EMAIL) {
        await insertEmailAddress(trx, { ...common, email_address: value });
      } else {
        await insertPhoneNumber(trx, { ...common, phone_number: value, reserved_for_second_factor: changes.reservedForSecondFactor ? 1 : 0, default_second_factor: 0 });
      }
      const becomesPrimary = changes.primary === true || (user[kind.primaryColumn] === null && changes.verified === true);
      await updateUserRow(trx, userId, becomesPrimary ? { [kind.primaryColumn]: id, updated_at: now } : { updated_at: now });
      await refreshUserSearch(trx, userId);
      await recordUserChange(ctx, trx, userId, 'user.updated', before);
    }),
  );
  return id;
}

async function update(ctx: DomainContext, kind: Kind, id: string, changes: IdentificationChanges): Promise<void> {
  const userId = await findOwner(ctx.store.db, kind, id);
  await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    const current = await readIdentificationVerification(trx, kind.table, id);
    if (!user || !current) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    const now = ctx.now();
    const verified = changes.verified ?? current.verification_status === 'verified';
    if (changes.primary && !verified) {
      throw paramError('form_param_value_invalid', 'primary', 'Only a verified identification can be made primary.');
    }
    await updateIdentificationRow(trx, kind.table, id, {
      updated_at: now,
      ...(changes.verified != null ? { verification_status: changes.verified ? 'verified' : null, verification_strategy: changes.verified ? 'admin' : null } : {}),
      ...(kind === PHONE && changes.reservedForSecondFactor != null ? { reserved_for_second_factor: changes.reservedForSecondFactor ? 1 : 0 } : {}),
    });
    let primary = user[kind.primaryColumn];
    if (changes.primary) primary = id;
    else if (primary === id && !verified) primary = await nextPrimary(trx, kind, userId, id);
    await updateUserRow(trx, userId, { [kind.primaryColumn]: primary, updated_at: now });
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
}

/** Checks, under the user's row lock, that the removal may go ahead (the person's own removals keep a way to sign in). */
export type RemovalGuard = (trx: Executor, user: UserRow) => Promise<void>;

async function remove(ctx: DomainContext, kind: Kind, id: string, guard?: RemovalGuard): Promise<DeletedObject> {
  const userId = await findOwner(ctx.store.db, kind, id);
  await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    if (guard) await guard(trx, user);
    const before = await userPayload(ctx, trx, userId);
    if (!(await deleteIdentificationRow(trx, kind.table, id))) throw notFound();
    const patch: Record<string, unknown> = { updated_at: ctx.now() };
    if (user[kind.primaryColumn] === id) patch[kind.primaryColumn] = await nextPrimary(trx, kind, userId, id);
    await updateUserRow(trx, userId, patch);
    await refreshUserSearch(trx, userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
  return { object: kind.object, id, deleted: true };
}

export async function getEmailAddress(ctx: DomainContext, id: string): Promise<EmailAddress> {
  const row = await findEmailAddressRow(ctx.store.db, id);
  if (!row) throw notFound();
  return toEmailAddress(row);
}

export async function getPhoneNumber(ctx: DomainContext, id: string): Promise<PhoneNumber> {
  const row = await findPhoneNumberRow(ctx.store.db, id);
  if (!row) throw notFound();
  return toPhoneNumber(row);
}

export async function createEmailAddress(ctx: DomainContext, userId: string, emailAddress: string, changes: IdentificationChanges): Promise<EmailAddress> {
  return getEmailAddress(ctx, await create(ctx, EMAIL, userId, parseEmailAddress(emailAddress), changes));
}

export async function createPhoneNumber(ctx: DomainContext, userId: string, phoneNumber: string, changes: IdentificationChanges): Promise<PhoneNumber> {
  return getPhoneNumber(ctx, await create(ctx, PHONE, userId, parsePhoneNumber(phoneNumber), changes));
}

export async function updateEmailAddress(ctx: DomainContext, id: string, changes: IdentificationChanges): Promise<EmailAddress> {
  await update(ctx, EMAIL, id, changes);
  return getEmailAddress(ctx, id);
}

export async function updatePhoneNumber(ctx: DomainContext, id: string, changes: IdentificationChanges): Promise<PhoneNumber> {
  await update(ctx, PHONE, id, changes);
  return getPhoneNumber(ctx, id);
}

/**
 * A person's own identification, proven by a code or link they received: verified with that
 * strategy, and made primary when the user has no primary one of its kind yet.
 */
async function markVerified(ctx: DomainContext, kind: Kind, id: string, strategy: string): Promise<void> {
  const userId = await findOwner(ctx.store.db, kind, id);
  await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    const now = ctx.now();
    await updateIdentificationRow(trx, kind.table, id, { updated_at: now, verification_status: 'verified', verification_strategy: strategy });
    await updateUserRow(trx, userId, user[kind.primaryColumn] === null ? { [kind.primaryColumn]: id, updated_at: now } : { updated_at: now });
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
}

export async function markEmailAddressVerified(ctx: DomainContext, id: string, strategy: string): Promise<EmailAddress> {
  await markVerified(ctx, EMAIL, id, strategy);
  return getEmailAddress(ctx, id);
}

export async function markPhoneNumberVerified(ctx: DomainContext, id: string): Promise<PhoneNumber> {
  await markVerified(ctx, PHONE, id, 'phone_code');
  return getPhoneNumber(ctx, id);
}

/** Marks an unverified identification as waiting on a code or link of this strategy, as its verification shows. */
async function markPending(ctx: DomainContext, kind: Kind, id: string, strategy: string): Promise<void> {
  await updateIdentificationRow(ctx.store.db, kind.table, id, { updated_at: ctx.now(), verification_status: 'unverified', verification_strategy: strategy });
}

export const markEmailAddressPending = (ctx: DomainContext, id: string, strategy: string): Promise<void> => markPending(ctx, EMAIL, id, strategy);
export const markPhoneNumberPending = (ctx: DomainContext, id: string): Promise<void> => markPending(ctx, PHONE, id, 'phone_code');

export const deleteEmailAddress = (ctx: DomainContext, id: string, guard?: RemovalGuard): Promise<DeletedObject> => remove(ctx, EMAIL, id, guard);
export const deletePhoneNumber = (ctx: DomainContext, id: string): Promise<DeletedObject> => remove(ctx, PHONE, id);
