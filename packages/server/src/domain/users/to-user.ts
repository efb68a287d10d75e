import { toPasskey } from '../passkeys/passkeys.js';
import { toExternalAccount } from '../oauth/external-accounts.js';
import { parseStoredMetadata } from '../metadata.js';
import { CODE_LIFETIME_MS } from '../verifications/verifications.js';
import { userImageUrl } from '../images.js';
import type { DomainContext } from '../context.js';
import type { EmailAddressRow, PhoneNumberRow, UserRecord, UserRow } from '../../store/repositories/user-repository.js';
import type { EmailAddress, LockState, PhoneNumber, User, Verification } from './user.js';

function verificationOf(status: string | null, strategy: string | null, updatedAt: number): Verification | null {
  if (status !== 'verified' && status !== 'unverified') return null;
  const how = strategy ?? 'admin';
  // A pending code was sent at the identification's last update; a verified one, verified then.
  const expireAt = how === 'admin' ? null : status === 'unverified' ? updatedAt + CODE_LIFETIME_MS : updatedAt;
  return { status, strategy: how, expireAt };
}

export function toEmailAddress(row: EmailAddressRow): EmailAddress {
  return {
    id: row.id,
    userId: row.user_id,
    emailAddress: row.email_address,
    verification: verificationOf(row.verification_status, row.verification_strategy, row.updated_at),
    reserved: row.reserved === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toPhoneNumber(row: PhoneNumberRow): PhoneNumber {
  return {
    id: row.id,
    userId: row.user_id,
    phoneNumber: row.phone_number,
    verification: verificationOf(row.verification_status, row.verification_strategy, row.updated_at),
    reserved: row.reserved === 1,
    reservedForSecondFactor: row.reserved_for_second_factor === 1,
    defaultSecondFactor: row.default_second_factor === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function lockStateOf(row: UserRow, ctx: DomainContext): LockState {
  const now = ctx.now();
  const locked = row.locked_until !== null && row.locked_until > now;
  // A lock that has run out leaves its count behind; the next attempt starts afresh.
  const lapsed = row.locked_until !== null && !locked;
  return {
    locked,
    expiresInSeconds: locked && row.locked_until !== null ? Math.ceil((row.locked_until - now) / 1000) : null,
    attemptsRemaining: lapsed ? ctx.policy.lockout.maxAttempts : Math.max(0, ctx.policy.lockout.maxAttempts - row.failed_verification_attempts),
  };
}

export function toUser(record: UserRecord, ctx: DomainContext): User {
  const { row } = record;
  return {
    id: row.id,
    externalId: row.external_id,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    locale: row.locale,
    primaryEmailAddressId: row.primary_email_address_id,
    primaryPhoneNumberId: row.primary_phone_number_id,
    imageUrl: userImageUrl(ctx, row.image_id),
    hasImage: row.image_id !== null,
    passwordEnabled: row.password_digest !== null,
    passwordUpdatedAt: row.password_updated_at,
    passwordCompromised: row.password_compromised_at !== null,
    publicMetadata: parseStoredMetadata(row.public_metadata),
    privateMetadata: parseStoredMetadata(row.private_metadata),
    unsafeMetadata: parseStoredMetadata(row.unsafe_metadata),
    banned: row.banned === 1,
    lock: lockStateOf(row, ctx),
    lastSignInAt: row.last_sign_in_at,
    lastActiveAt: row.last_active_at,
    legalAcceptedAt: row.legal_accepted_at,
    passkeys: record.passkeys.map((p) => toPasskey(p)),
    externalAccounts: record.externalAccounts.map(toExternalAccount),
    totpEnabled: row.totp_enabled === 1,
    backupCodeEnabled: row.backup_code_enabled === 1,
    mfaEnabledAt: row.mfa_enabled_at,
    mfaDisabledAt: row.mfa_disabled_at,
    deleteSelfEnabled: row.delete_self_enabled === 1,
    createOrganizationEnabled: row.create_organization_enabled === 1,
    createOrganizationsLimit: row.create_organizations_limit,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    emailAddresses: record.emailAddresses.map(toEmailAddress),
    phoneNumbers: record.phoneNumbers.map(toPhoneNumber),
  };
}
