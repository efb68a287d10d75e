import type { Insertable } from 'kysely';
import type { EventTable } from '../../store/schema.js';
import type { ExternalAccountRow } from '../../store/repositories/oauth-repository.js';
import { newId } from '../../crypto/ids.js';
import { paramError } from '../../errors.js';
import {
  insertUserRecord,
  insertUserRecordIn,
  type EmailAddressRow,
  type PhoneNumberRow,
  type UserRecord,
  type UserRow,
} from '../../store/repositories/user-repository.js';
import { importedSecondFactors, storeImportedSecondFactors, type ImportedSecondFactors } from '../mfa/imported-factors.js';
import { eventRow } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { toUser } from './to-user.js';
import type { PasswordHasher } from '../../crypto/password/index.js';
import { assertValidMetadata, type Metadata } from '../metadata.js';
import type { DomainContext } from '../context.js';
import { withIdentifierConflicts } from './identifier-conflicts.js';
import { parseEmailAddress, parsePhoneNumber, parseUsername } from './identifiers.js';
import { credentialFromInput, passwordInputFrom, type StoredCredential } from './password-credential.js';
import type { User } from './user.js';

/** `unverified` is for the domain's own callers (a sign-up's optional phone number), never the Backend API's. */
export type IdentificationStatus = 'verified' | 'reserved' | 'unverified';

/** `POST /v1/users` as the domain takes it: the wire's fields (`wire/requests/user-body.ts`), camelCase. */
export interface CreateUserInput {
  externalId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  emailAddress?: string[];
  emailAddressIdentificationStatus?: IdentificationStatus[];
  phoneNumber?: string[];
  phoneNumberIdentificationStatus?: IdentificationStatus[];
  username?: string | null;
  password?: string | null;
  passwordDigest?: string | null;
  passwordHasher?: PasswordHasher | null;
  skipPasswordChecks?: boolean | null;
  skipUserRequirement?: boolean | null;
  publicMetadata?: Metadata | null;
  privateMetadata?: Metadata | null;
  unsafeMetadata?: Metadata | null;
  deleteSelfEnabled?: boolean | null;
  createOrganizationEnabled?: boolean | null;
  createOrganizationsLimit?: number | null;
  legalAcceptedAt?: number | null;
  createdAt?: number | null;
  banned?: boolean | null;
  locked?: boolean | null;
  /** An authenticator app's secret (base32) brought from another system: the user has it, verified. */
  totpSecret?: string | null;
  /** Backup codes brought from another system, each good once. */
  backupCodes?: string[] | null;
}

function statusesFor(values: string[], statuses: IdentificationStatus[] | undefined, param: string): IdentificationStatus[] {
  if (!statuses || statuses.length === 0) return values.map(() => 'verified');
  if (statuses.length !== values.length) {
    throw paramError('form_param_value_invalid', param, `${param} must have exactly one entry per ${param.replace('_identification_status', '')}.`);
  }
  return statuses;
}

function assertDistinct(values: string[], param: string): void {
  if (new Set(values).size !== values.length) {
    throw paramError('form_param_value_invalid', param, `${param} must not contain the same value twice.`);
  }
}

export async function createUser(ctx: DomainContext, input: CreateUserInput): Promise<User> {
  const { record, created, event, secondFactors } = await prepareNewUser(ctx, input);
  // No look-up of the identifiers first: the unique indexes are the check, and a taken email,
  // phone, username or external id comes back from the insert as `form_identifier_exists`.
  if (!secondFactors) {
    await withIdentifierConflicts(() => insertUserRecord(ctx.store, record, event));
    return created;
  }
  // Second factors brought along are written with the user, all or nothing.
  const now = record.row.updated_at;
  await withIdentifierConflicts(() =>
    ctx.store.transaction(async (trx) => {
      await insertUserRecordIn(trx, record, event);
      await storeImportedSecondFactors(ctx, trx, record.row.id, secondFactors, now);
    }),
  );
  return created;
}


export interface NewUser {
  record: UserRecord;
  created: User;
  event: Insertable<EventTable>;
  secondFactors?: ImportedSecondFactors | undefined;
}

/**
 * A user about to be created: validated, its password hashed, its rows and `user.created` event
 * built, nothing written. A completed sign-up passes the credential it already holds.
 */
export interface NewUserOptions {
  credential?: StoredCredential;
  /** A social sign-up: the provider account the user is created with, and how its address was verified (`from_oauth_google`). */
  social?: { account: (userId: string) => ExternalAccountRow; emailVerificationStrategy: string | null };
}

export async function prepareNewUser(ctx: DomainContext, input: CreateUserInput, options: NewUserOptions = {}): Promise<NewUser> {
  const emails = (input.emailAddress ?? []).map((e) => parseEmailAddress(e));
  const phones = (input.phoneNumber ?? []).map((p) => parsePhoneNumber(p));
  assertDistinct(emails, 'email_address');
  assertDistinct(phones, 'phone_number');
  const emailStatuses = statusesFor(emails, input.emailAddressIdentificationStatus, 'email_address_identification_status');
  const phoneStatuses = statusesFor(phones, input.phoneNumberIdentificationStatus, 'phone_number_identification_status');
  const username = input.username ? parseUsername(input.username) : null;
  const externalId = input.externalId ? input.externalId : null;
  if (emails.length === 0 && phones.length === 0 && username === null && input.skipUserRequirement !== true) {
    throw paramError(
      'form_param_missing',
      'email_address',
      'A user needs at least one identifier: email_address, phone_number or username (or set skip_user_requirement).',
    );
  }
  const metadata = {
    public_metadata: assertValidMetadata(input.publicMetadata ?? {}, 'public_metadata'),
    private_metadata: assertValidMetadata(input.privateMetadata ?? {}, 'private_metadata'),
    unsafe_metadata: assertValidMetadata(input.unsafeMetadata ?? {}, 'unsafe_metadata'),
  };

  const secondFactors = importedSecondFactors(input.totpSecret, input.backupCodes);
  const passwordInput = passwordInputFrom(input);
  const credential = options.credential ?? (passwordInput
    ? await credentialFromInput(
        passwordInput,
        { emailAddresses: emails, username, firstName: input.firstName ?? null, lastName: input.lastName ?? null },
        ctx,
      )
    : undefined);

  const now = ctx.now();
  const createdAt = input.createdAt ?? now;
  const userId = newId('user', createdAt);
  const emailRows = emails.map((email, i): EmailAddressRow => ({
    id: newId('idn', now),
    user_id: userId,
    email_address: email,
    verification_status: emailStatuses[i] === 'verified' ? ('verified' as const) : null,
    verification_strategy: emailStatuses[i] === 'verified' ? (i === 0 && options.social?.emailVerificationStrategy) || 'admin' : null,
    reserved: emailStatuses[i] === 'reserved' ? (1 as const) : (0 as const),
    created_at: now,
    updated_at: now,
  }));
  const phoneRows = phones.map((phone, i): PhoneNumberRow => ({
    id: newId('idn', now),
    user_id: userId,
    phone_number: phone,
    verification_status: phoneStatuses[i] === 'verified' ? ('verified' as const) : null,
    verification_strategy: phoneStatuses[i] === 'verified' ? 'admin' : null,
    reserved: phoneStatuses[i] === 'reserved' ? (1 as const) : (0 as const),
    reserved_for_second_factor: 0 as const,
    default_second_factor: 0 as const,
    created_at: now,
    updated_at: now,
  }));

  const userRow: UserRow = {
    id: userId,
    external_id: externalId,
    username,
    image_id: null,
    first_name: input.firstName ?? null,
    last_name: input.lastName ?? null,
    locale: input.locale ?? null,
    primary_email_address_id: emailRows[0]?.id ?? null,
    // A number given unverified (at sign-up) is not primary until it is verified.
    primary_phone_number_id: phoneRows.find((_p, i) => phoneStatuses[i] !== 'unverified')?.id ?? null,
    password_digest: credential?.digest ?? null,
    password_hasher: credential?.hasher ?? null,
    password_updated_at: credential ? now : null,
    password_compromised_at: null,
    public_metadata: JSON.stringify(metadata.public_metadata),
    private_metadata: JSON.stringify(metadata.private_metadata),
    unsafe_metadata: JSON.stringify(metadata.unsafe_metadata),
    banned: input.banned ? 1 : 0,
    locked_until: input.locked ? now + ctx.policy.lockout.durationSeconds * 1000 : null,
    failed_verification_attempts: 0,
    last_sign_in_at: null,
    last_active_at: null,
    legal_accepted_at: input.legalAcceptedAt ?? null,
    mfa_enabled_at: secondFactors ? now : null,
    mfa_disabled_at: null,
    delete_self_enabled: input.deleteSelfEnabled === false ? 0 : 1,
    create_organization_enabled: input.createOrganizationEnabled === false ? 0 : 1,
    totp_enabled: secondFactors?.totpSecret ? 1 : 0,
    backup_code_enabled: secondFactors && secondFactors.backupCodes.length > 0 ? 1 : 0,
    create_organizations_limit: input.createOrganizationsLimit ?? null,
    created_at: createdAt,
    updated_at: now,
  };
  // The rows about to be written are the user as a read would return it: every column is set here,
  // and ids made in one process ascend, so the given order is the (created_at, id) order a read
  // lists identifiers in. No read-back for the search line, the event and the reply.
  const record: UserRecord = { row: userRow, emailAddresses: emailRows, phoneNumbers: phoneRows, passkeys: [], externalAccounts: options.social ? [options.social.account(userId)] : [] };
  const created = toUser(record, ctx);
  const event = eventRow({ type: 'user.created', data: eventData('user.created', created), subjectUserId: userId }, now);
  return { record, created, event, secondFactors };
}
