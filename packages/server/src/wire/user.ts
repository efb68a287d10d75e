import { serializePasskey } from './passkey.js';
import { serializeExternalAccount } from './external-account.js';
import type { EmailAddress, PhoneNumber, User, Verification } from '../domain/users/user.js';

/** Clerk's JSON shapes for the user aggregate (OAS `User`, `EmailAddress`, `PhoneNumber`). */

function serializeVerification(verification: Verification | null) {
  if (!verification) return null;
  if (verification.strategy === 'admin' && verification.status === 'verified') {
    return { object: 'verification_admin', status: 'verified', strategy: 'admin', attempts: null, expire_at: null };
  }
  if (verification.strategy.startsWith('from_oauth_')) {
    return { object: 'verification_from_oauth', status: verification.status, strategy: verification.strategy, attempts: null, expire_at: null };
  }
  const object = verification.strategy === 'email_link' ? 'verification_email_link' : 'verification_otp';
  return { object, status: verification.status, strategy: verification.strategy, attempts: null, expire_at: verification.expireAt };
}

export function serializeEmailAddress(email: EmailAddress) {
  return {
    id: email.id,
    object: 'email_address',
    email_address: email.emailAddress,
    reserved: email.reserved,
    verification: serializeVerification(email.verification),
    linked_to: [],
    matches_sso_connection: false,
    created_at: email.createdAt,
    updated_at: email.updatedAt,
  };
}

export function serializePhoneNumber(phone: PhoneNumber) {
  return {
    id: phone.id,
    object: 'phone_number',
    phone_number: phone.phoneNumber,
    reserved_for_second_factor: phone.reservedForSecondFactor,
    default_second_factor: phone.defaultSecondFactor,
    reserved: phone.reserved,
    verification: serializeVerification(phone.verification),
    linked_to: [],
    backup_codes: null,
    created_at: phone.createdAt,
    updated_at: phone.updatedAt,
  };
}

export function serializeUser(user: User) {
  return {
    id: user.id,
    object: 'user',
    external_id: user.externalId,
    primary_email_address_id: user.primaryEmailAddressId,
    primary_phone_number_id: user.primaryPhoneNumberId,
    primary_web3_wallet_id: null,
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    locale: user.locale,
    image_url: user.imageUrl,
    has_image: user.hasImage,
    public_metadata: user.publicMetadata,
    private_metadata: user.privateMetadata,
    unsafe_metadata: user.unsafeMetadata,
    email_addresses: user.emailAddresses.map(serializeEmailAddress),
    phone_numbers: user.phoneNumbers.map(serializePhoneNumber),
    web3_wallets: [],
    passkeys: user.passkeys.map(serializePasskey),
    password_enabled: user.passwordEnabled,
    two_factor_enabled: user.totpEnabled || user.backupCodeEnabled,
    totp_enabled: user.totpEnabled,
    backup_code_enabled: user.backupCodeEnabled,
    mfa_enabled_at: user.mfaEnabledAt,
    mfa_disabled_at: user.mfaDisabledAt,
    password_last_updated_at: user.passwordUpdatedAt,
    external_accounts: user.externalAccounts.map(serializeExternalAccount),
    saml_accounts: [],
    enterprise_accounts: [],
    last_sign_in_at: user.lastSignInAt,
    banned: user.banned,
    locked: user.lock.locked,
    lockout_expires_in_seconds: user.lock.expiresInSeconds,
    verification_attempts_remaining: user.lock.attemptsRemaining,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    delete_self_enabled: user.deleteSelfEnabled,
    create_organization_enabled: user.createOrganizationEnabled,
    create_organizations_limit: user.createOrganizationsLimit,
    last_active_at: user.lastActiveAt,
    legal_accepted_at: user.legalAcceptedAt,
  };
}
