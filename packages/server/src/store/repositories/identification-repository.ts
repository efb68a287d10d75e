import type { Executor } from '../db.js';
import type { VerificationStatus } from '../schema.js';
import type { EmailAddressRow, PhoneNumberRow } from './user-repository.js';

/** Email addresses and phone numbers live in tables of the same shape; these work on either. */
export type IdentificationTable = 'email_addresses' | 'phone_numbers';

export async function findIdentificationOwner(db: Executor, table: IdentificationTable, id: string): Promise<string | undefined> {
  return (await db.selectFrom(table).select('user_id').where('id', '=', id).executeTakeFirst())?.user_id;
}

export async function readIdentificationVerification(db: Executor, table: IdentificationTable, id: string): Promise<{ verification_status: EmailAddressRow['verification_status'] } | undefined> {
  return db.selectFrom(table).select(['verification_status']).where('id', '=', id).executeTakeFirst();
}

/** The user's oldest verified identification in `table` other than `excludingId`: the next primary. */
export async function oldestVerifiedIdentification(db: Executor, table: IdentificationTable, userId: string, excludingId: string): Promise<string | null> {
  const row = await db
    .selectFrom(table)
    .select('id')
    .where('user_id', '=', userId)
    .where('id', '!=', excludingId)
    .where('verification_status', '=', 'verified')
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Whether any of these (normalized) email addresses belongs to a user. */
export async function anyEmailAddressTaken(db: Executor, emails: readonly string[]): Promise<boolean> {
  if (emails.length === 0) return false;
  return (await db.selectFrom('email_addresses').select('id').where('email_address', 'in', [...emails]).executeTakeFirst()) !== undefined;
}

export async function phoneNumberTaken(db: Executor, phoneNumber: string): Promise<boolean> {
  return (await db.selectFrom('phone_numbers').select('id').where('phone_number', '=', phoneNumber).executeTakeFirst()) !== undefined;
}

export async function insertEmailAddress(db: Executor, row: EmailAddressRow): Promise<void> {
  await db.insertInto('email_addresses').values(row).execute();
}

export async function insertPhoneNumber(db: Executor, row: PhoneNumberRow): Promise<void> {
  await db.insertInto('phone_numbers').values(row).execute();
}

export async function updateIdentificationRow(
  db: Executor,
  table: IdentificationTable,
  id: string,
  patch: { updated_at: number; verification_status?: VerificationStatus | null; verification_strategy?: string | null; reserved_for_second_factor?: 0 | 1 },
): Promise<void> {
  if (table === 'phone_numbers') await db.updateTable('phone_numbers').set(patch).where('id', '=', id).execute();
  else {
    const { reserved_for_second_factor: _phoneOnly, ...emailPatch } = patch;
    await db.updateTable('email_addresses').set(emailPatch).where('id', '=', id).execute();
  }
}

/** False when there was no such identification. */
export async function deleteIdentificationRow(db: Executor, table: IdentificationTable, id: string): Promise<boolean> {
  const result = await db.deleteFrom(table).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function findEmailAddressRow(db: Executor, id: string): Promise<EmailAddressRow | undefined> {
  return db.selectFrom('email_addresses').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPhoneNumberRow(db: Executor, id: string): Promise<PhoneNumberRow | undefined> {
  return db.selectFrom('phone_numbers').selectAll().where('id', '=', id).executeTakeFirst();
}
