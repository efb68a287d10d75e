import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db.js';
import type { ClientTable, SignInTable, SignUpTable, VerificationTable } from '../schema.js';
import type { ClientRow } from './session-repository.js';

/** Sign-in and sign-up attempts, the verifications they go through, and the client that holds them. */

export type SignInRow = Selectable<SignInTable>;
export type SignUpRow = Selectable<SignUpTable>;
export type VerificationRow = Selectable<VerificationTable>;

export async function insertClient(db: Executor, row: ClientRow): Promise<void> {
  await db.insertInto('clients').values(row).execute();
}

/** Writes a client a request started, unless an earlier write of the same request already did. */
export async function insertClientOnce(db: Executor, row: ClientRow): Promise<void> {
  await db.insertInto('clients').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function findClientRow(db: Executor, id: string): Promise<ClientRow | undefined> {
  return db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateClientRow(db: Executor, id: string, patch: Updateable<ClientTable>): Promise<void> {
  await db.updateTable('clients').set(patch).where('id', '=', id).execute();
}

/** Drops the client's pointer to a sign-in that just completed, unless it already points elsewhere. */
export async function clearClientSignIn(db: Executor, clientId: string, signInId: string, now: number): Promise<void> {
  await db.updateTable('clients').set({ sign_in_id: null, updated_at: now }).where('id', '=', clientId).where('sign_in_id', '=', signInId).execute();
}

export async function insertSignIn(db: Executor, row: Insertable<SignInTable>): Promise<void> {
  await db.insertInto('sign_ins').values(row).execute();
}

export async function findSignInRow(db: Executor, id: string): Promise<SignInRow | undefined> {
  return db.selectFrom('sign_ins').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateSignInRow(db: Executor, id: string, patch: Updateable<SignInTable>): Promise<void> {
  await db.updateTable('sign_ins').set(patch).where('id', '=', id).execute();
}

/**
 * Marks a sign-in complete with its session, once: false when another request completed it first,
 * so two racing attempts never both create a session.
 */
export async function completeSignInRow(db: Executor, id: string, sessionId: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('sign_ins')
    .set({ created_session_id: sessionId, updated_at: now })
    .where('id', '=', id)
    .where('created_session_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertSignUp(db: Executor, row: Insertable<SignUpTable>): Promise<void> {
  await db.insertInto('sign_ups').values(row).execute();
}

export async function findSignUpRow(db: Executor, id: string): Promise<SignUpRow | undefined> {
  return db.selectFrom('sign_ups').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateSignUpRow(db: Executor, id: string, patch: Updateable<SignUpTable>): Promise<void> {
  await db.updateTable('sign_ups').set(patch).where('id', '=', id).execute();
}

/** Claims a sign-up for completion, once: false when another request completed it first. */
export async function completeSignUpRow(db: Executor, id: string, userId: string, sessionId: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('sign_ups')
    .set({ created_user_id: userId, created_session_id: sessionId, updated_at: now })
    .where('id', '=', id)
    .where('created_user_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertVerification(db: Executor, row: VerificationRow): Promise<void> {
  await db.insertInto('verifications').values(row).execute();
}

export async function findVerificationRows(db: Executor, ids: readonly string[]): Promise<VerificationRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('verifications').selectAll().where('id', 'in', [...ids]).execute();
}

/** The verification of this strategy this client last started for an email address. */
export async function findLatestAddressVerification(
  db: Executor,
  input: { clientId: string; strategy: string } & ({ emailAddressId: string } | { phoneNumberId: string }),
): Promise<VerificationRow | undefined> {
  return db
    .selectFrom('verifications')
    .selectAll()
    .where((eb) => ('emailAddressId' in input ? eb('email_address_id', '=', input.emailAddressId) : eb('phone_number_id', '=', input.phoneNumberId)))
    .where('client_id', '=', input.clientId)
    .where('strategy', '=', input.strategy)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findVerificationBySecret(db: Executor, secretHash: string): Promise<VerificationRow | undefined> {
  return db.selectFrom('verifications').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
}

/**
 * Counts one attempt on a verification still open, in one statement, so parallel attempts can
 * never evaluate more than `maxAttempts`; undefined when it is no longer open (verified, failed,
 * expired or out of attempts).
 */
export async function reserveCodeAttempt(db: Executor, id: string, maxAttempts: number, now: number): Promise<{ attempts: number; secret_hash: string | null } | undefined> {
  return db
    .updateTable('verifications')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), updated_at: now }))
    .where('id', '=', id)
    .where('status', '=', 'unverified')
    .where('attempts', '<', maxAttempts)
    .where((eb) => eb.or([eb('expire_at', 'is', null), eb('expire_at', '>', now)]))
    .returning(['attempts', 'secret_hash'])
    .executeTakeFirst();
}

/** Closes an open verification as verified or failed; false when it was no longer open. */
export async function closeVerification(db: Executor, id: string, status: 'verified' | 'failed', now: number): Promise<boolean> {
  const result = await db
    .updateTable('verifications')
    .set({ status, updated_at: now, ...(status === 'verified' ? { verified_at: now, secret_hash: null } : {}) })
    .where('id', '=', id)
    .where('status', '=', 'unverified')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Settles an OAuth verification still open: verified, failed with the provider's refusal, or
 * transferable (the account is on the other side of sign-in / sign-up), once.
 */
export async function settleVerification(db: Executor, id: string, status: 'verified' | 'failed' | 'transferable', errorCode: string | null, now: number): Promise<boolean> {
  const result = await db
    .updateTable('verifications')
    .set({ status, error_code: errorCode, updated_at: now, ...(status === 'verified' ? { verified_at: now } : {}) })
    .where('id', '=', id)
    .where('status', '=', 'unverified')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Claims a transferable verification for the attempt that continues it, once. */
export async function claimTransfer(db: Executor, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('verifications').set({ status: 'verified', verified_at: now, updated_at: now }).where('id', '=', id).where('status', '=', 'transferable').executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The owner of a verified email address, the way a person signs in with it. */
export async function findVerifiedEmailOwner(db: Executor, email: string): Promise<{ userId: string; emailAddressId: string } | undefined> {
  const row = await db
    .selectFrom('email_addresses')
    .select(['id', 'user_id'])
    .where('email_address', '=', email)
    .where('verification_status', '=', 'verified')
    .executeTakeFirst();
  return row ? { userId: row.user_id, emailAddressId: row.id } : undefined;
}

export async function findUserIdByUsername(db: Executor, username: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  return row?.id;
}

export async function findSignInByVerification(db: Executor, verificationId: string): Promise<SignInRow | undefined> {
  return db.selectFrom('sign_ins').selectAll().where('first_factor_verification_id', '=', verificationId).executeTakeFirst();
}

export async function findSignUpByExternalVerification(db: Executor, verificationId: string): Promise<SignUpRow | undefined> {
  return db.selectFrom('sign_ups').selectAll().where('external_verification_id', '=', verificationId).executeTakeFirst();
}

export async function findSignUpByVerification(db: Executor, verificationId: string): Promise<SignUpRow | undefined> {
  return db.selectFrom('sign_ups').selectAll().where('email_verification_id', '=', verificationId).executeTakeFirst();
}
