import { newId } from '../../crypto/ids.js';
import { notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { lockUserRow, refreshUserSearch, updateUserRow } from '../../store/repositories/user-repository.js';
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
  const row = await db.selectFrom(kind.table).select('user_id').where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return row.user_id;
}

async function nextPrimary(db: Executor, kind: Kind, userId: string, excludingId: string): Promise<string | null> {
  const row = await db
    .selectFrom(kind.table)
    .select('id')
    .where('user_id', '=', userId)
    .where('id', '!=', excludingId)
    .where('verification_status', '=', 'verified')
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  return row?.id ?? null;
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
      const taken = await trx.selectFrom(kind.table).select('id').where(kind.column, '=', value).executeTakeFirst();
      if (taken) throw identifierTaken(kind.column);
      const verification = changes.verified ? { verification_status: 'verified' as const, verification_strategy: 'admin' } : { verification_status: null, verification_strategy: null };
      const common = { id, user_id: userId, reserved: 0 as const, created_at: now, updated_at: now, ...verification };
      if (kind === EMAIL) {
        await trx.insertInto('email_addresses').values({ ...common, email_address: value }).execute();
      } else {
        await trx
          .insertInto('phone_numbers')
          .values({
            ...common,
            phone_number: value,
            reserved_for_second_factor: changes.reservedForSecondFactor ? 1 : 0,
            default_second_factor: 0,
          })
          .execute();
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
    const current = await trx.selectFrom(kind.table).select(['verification_status']).where('id', '=', id).executeTakeFirst();
    if (!user || !current) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    const now = ctx.now();
    const verified = changes.verified ?? current.verification_status === 'verified';
    if (changes.primary && !verified) {
      throw paramError('form_param_value_invalid', 'primary', 'Only a verified identification can be made primary.');
    }
    const patch: Record<string, unknown> = { updated_at: now };
    if (changes.verified != null) {
      patch['verification_status'] = changes.verified ? 'verified' : null;
      patch['verification_strategy'] = changes.verified ? 'admin' : null;
    }
    if (kind === PHONE && changes.reservedForSecondFactor != null) {
      patch['reserved_for_second_factor'] = changes.reservedForSecondFactor ? 1 : 0;
    }
    await trx.updateTable(kind.table).set(patch).where('id', '=', id).execute();
    let primary = user[kind.primaryColumn];
    if (changes.primary) primary = id;
    else if (primary === id && !verified) primary = await nextPrimary(trx, kind, userId, id);
    await updateUserRow(trx, userId, { [kind.primaryColumn]: primary, updated_at: now });
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
}

async function remove(ctx: DomainContext, kind: Kind, id: string): Promise<DeletedObject> {
  const userId = await findOwner(ctx.store.db, kind, id);
  await ctx.store.transaction(async (trx) => {
    const user = await lockUserRow(trx, ctx.store.dialect, userId);
    if (!user) throw notFound();
    const before = await userPayload(ctx, trx, userId);
    const result = await trx.deleteFrom(kind.table).where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound();
    const patch: Record<string, unknown> = { updated_at: ctx.now() };
    if (user[kind.primaryColumn] === id) patch[kind.primaryColumn] = await nextPrimary(trx, kind, userId, id);
    await updateUserRow(trx, userId, patch);
    await refreshUserSearch(trx, userId);
    await recordUserChange(ctx, trx, userId, 'user.updated', before);
  });
  return { object: kind.object, id, deleted: true };
}

export async function getEmailAddress(ctx: DomainContext, id: string): Promise<EmailAddress> {
  const row = await ctx.store.db.selectFrom('email_addresses').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return toEmailAddress(row);
}

export async function getPhoneNumber(ctx: DomainContext, id: string): Promise<PhoneNumber> {
  const row = await ctx.store.db.selectFrom('phone_numbers').selectAll().where('id', '=', id).executeTakeFirst();
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

export const deleteEmailAddress = (ctx: DomainContext, id: string): Promise<DeletedObject> => remove(ctx, EMAIL, id);
export const deletePhoneNumber = (ctx: DomainContext, id: string): Promise<DeletedObject> => remove(ctx, PHONE, id);
