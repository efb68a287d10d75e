import type { Updateable } from 'kysely';
import type { PasswordHasher } from '../../crypto/password/index.js';
import { notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { findTakenIdentifiers, lockUserRow, readIdentificationOwner, refreshUserSearch, updateUserRow } from '../../store/repositories/user-repository.js';
import type { UserTable } from '../../store/schema.js';
import { assertValidMetadata, type Metadata } from '../metadata.js';
import type { DomainContext } from '../context.js';
import { endUserSessions } from '../sessions/sessions.js';
import { getUser } from './get-user.js';
import { recordSecurityEvent, recordUserChange, userPayload } from './user-events.js';
import { importedSecondFactors, storeImportedSecondFactors } from '../mfa/imported-factors.js';
import { syncSecondFactorFlags } from '../mfa/second-factors.js';
import { identifierTaken, withIdentifierConflicts } from './identifier-conflicts.js';
import { parseUsername } from './identifiers.js';
import { credentialFromInput, passwordInputFrom } from './password-credential.js';
import type { User } from './user.js';

/** The wire's update fields (`wire/requests/user-body.ts`), camelCase: `undefined` leaves a field as it is; `null` clears a nullable one. */
export interface UpdateUserInput {
  externalId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  username?: string | null;
  locale?: string | null;
  password?: string | null;
  passwordDigest?: string | null;
  passwordHasher?: PasswordHasher | null;
  skipPasswordChecks?: boolean | null;
  /** With a new password: end every session the user has (a server-side change has no "current" one). */
  signOutOfOtherSessions?: boolean | null;
  /** With `signOutOfOtherSessions`: the session the person changed it from, which stays. */
  keepSessionId?: string;
  primaryEmailAddressId?: string | null;
  primaryPhoneNumberId?: string | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  unsafeMetadata?: Metadata | null;
  deleteSelfEnabled?: boolean | null;
  createOrganizationEnabled?: boolean | null;
  createOrganizationsLimit?: number | null;
  legalAcceptedAt?: number | null;
  createdAt?: number | null;
  /** Second factors from another system; each replaces what the user had of its kind. */
  totpSecret?: string | null;
  backupCodes?: string[] | null;
}

async function assertOwnVerifiedIdentification(
  db: Executor,
  table: 'email_addresses' | 'phone_numbers',
  id: string,
  userId: string,
  param: string,
): Promise<void> {
  const row = await readIdentificationOwner(db, table, id);
  if (!row || row.user_id !== userId) {
    throw paramError('form_param_value_invalid', param, `${param} must be the id of one of this user's ${table.replace('_', ' ')}.`);
  }
  if (row.verification_status !== 'verified') {
    throw paramError('form_param_value_invalid', param, `${param} must refer to a verified identification.`);
  }
}

export async function updateUser(ctx: DomainContext, userId: string, input: UpdateUserInput): Promise<User> {
  const username = input.username === undefined ? undefined : input.username ? parseUsername(input.username) : null;
  const externalId = input.externalId === undefined ? undefined : input.externalId || null;
  const metadata: Partial<Record<'public_metadata' | 'private_metadata' | 'unsafe_metadata', string>> = {};
  for (const [key, value] of [
    ['public_metadata', input.publicMetadata],
    ['private_metadata', input.privateMetadata],
    ['unsafe_metadata', input.unsafeMetadata],
  ] as const) {
    if (value !== undefined) metadata[key] = JSON.stringify(assertValidMetadata(value ?? {}, key));
  }

  const secondFactors = importedSecondFactors(input.totpSecret, input.backupCodes);
  const passwordInput = passwordInputFrom(input);
  // Policy checks need the user's context words; read them outside the write transaction because
  // hashing takes tens of milliseconds and must not hold it open.
  const credential = passwordInput
    ? await (async () => {
        const current = await getUser(ctx, userId);
        return credentialFromInput(
          passwordInput,
          {
            emailAddresses: current.emailAddresses.map((e) => e.emailAddress),
            username: username === undefined ? current.username : username,
            firstName: input.firstName === undefined ? current.firstName : input.firstName,
            lastName: input.lastName === undefined ? current.lastName : input.lastName,
          },
          ctx,
        );
      })()
    : undefined;

  const now = ctx.now();
  await withIdentifierConflicts(() =>
    ctx.store.transaction(async (trx) => {
      const row = await lockUserRow(trx, ctx.store.dialect, userId);
      if (!row) throw notFound();
      const before = await userPayload(ctx, trx, userId);
      const patch: Updateable<UserTable> = { updated_at: now, ...metadata };
      if (username !== undefined && username !== row.username) {
        if (username !== null) {
          const taken = await findTakenIdentifiers(trx, { username });
          if (taken && taken.userId !== userId) throw identifierTaken('username');
        }
        patch.username = username;
      }
      if (externalId !== undefined && externalId !== row.external_id) {
        if (externalId !== null) {
          const taken = await findTakenIdentifiers(trx, { externalId });
          if (taken && taken.userId !== userId) throw identifierTaken('external_id');
        }
        patch.external_id = externalId;
      }
      if (input.firstName !== undefined) patch.first_name = input.firstName;
      if (input.lastName !== undefined) patch.last_name = input.lastName;
      if (input.locale !== undefined) patch.locale = input.locale;
      if (input.primaryEmailAddressId) {
        await assertOwnVerifiedIdentification(trx, 'email_addresses', input.primaryEmailAddressId, userId, 'primary_email_address_id');
        patch.primary_email_address_id = input.primaryEmailAddressId;
      }
      if (input.primaryPhoneNumberId) {
        await assertOwnVerifiedIdentification(trx, 'phone_numbers', input.primaryPhoneNumberId, userId, 'primary_phone_number_id');
        patch.primary_phone_number_id = input.primaryPhoneNumberId;
      }
      if (credential) {
        patch.password_digest = credential.digest;
        patch.password_hasher = credential.hasher;
        patch.password_updated_at = now;
        patch.password_compromised_at = null;
      }
      if (input.deleteSelfEnabled != null) patch.delete_self_enabled = input.deleteSelfEnabled ? 1 : 0;
      if (input.createOrganizationEnabled != null) patch.create_organization_enabled = input.createOrganizationEnabled ? 1 : 0;
      if (input.createOrganizationsLimit !== undefined) patch.create_organizations_limit = input.createOrganizationsLimit;
      if (input.legalAcceptedAt !== undefined) patch.legal_accepted_at = input.legalAcceptedAt;
      if (input.createdAt != null) patch.created_at = input.createdAt;
      await updateUserRow(trx, userId, patch);
      if (secondFactors) {
        await storeImportedSecondFactors(ctx, trx, userId, secondFactors, now);
        await syncSecondFactorFlags(trx, row, now);
        if (secondFactors.totpSecret) await recordSecurityEvent(ctx, trx, 'user.totp_enabled', userId);
        if (secondFactors.backupCodes.length > 0) await recordSecurityEvent(ctx, trx, 'user.backup_codes_generated', userId);
      }
      if (credential) await recordSecurityEvent(ctx, trx, 'password.changed', userId);
      if (credential && input.signOutOfOtherSessions) await endUserSessions(ctx, trx, userId, 'revoked', input.keepSessionId);
      if ('username' in patch || 'first_name' in patch || 'last_name' in patch) await refreshUserSearch(trx, userId);
      await recordUserChange(ctx, trx, userId, 'user.updated', before);
    }),
  );
  return getUser(ctx, userId);
}
