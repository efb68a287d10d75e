import type { SignUpRow } from '../../store/repositories/attempt-repository.js';
import type { InstanceSettings } from '../settings/instance-settings.js';
import type { Verification } from '../verifications/verifications.js';

/**
 * A sign-up attempt (Clerk's `sign_up_attempt`). Which fields it still needs and which are not yet
 * verified follow from the instance's settings and what was given; its status follows from those,
 * so it completes — into a user and a session — as soon as nothing is missing.
 */
export type SignUpStatus = 'missing_requirements' | 'complete' | 'abandoned';
export type SignUpField = 'email_address' | 'phone_number' | 'password' | 'username' | 'first_name' | 'last_name' | 'legal_accepted';

export interface SignUp {
  id: string;
  clientId: string;
  status: SignUpStatus;
  requiredFields: SignUpField[];
  optionalFields: SignUpField[];
  missingFields: SignUpField[];
  unverifiedFields: SignUpField[];
  emailAddress: string | null;
  phoneNumber: string | null;
  emailVerification: Verification | null;
  /** A social sign-up's verification with its provider (`verifications.external_account`). */
  externalVerification: Verification | null;
  /** What the email verification supports, and what the person must do next. */
  emailVerificationStrategies: string[];
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  passwordEnabled: boolean;
  unsafeMetadata: Record<string, unknown>;
  legalAcceptedAt: number | null;
  createdUserId: string | null;
  createdSessionId: string | null;
  abandonAt: number;
  createdAt: number;
  updatedAt: number;
}

/** A social sign-up proves who it is through the provider: it needs no password of its own. */
function fieldsOf(settings: InstanceSettings, social: boolean): { required: SignUpField[]; optional: SignUpField[] } {
  const required: SignUpField[] = [];
  const optional: SignUpField[] = [];
  const sort = (field: SignUpField, a: { enabled: boolean; required: boolean }) => {
    if (a.required) required.push(field);
    else if (a.enabled) optional.push(field);
  };
  sort('email_address', settings.email_address);
  sort('phone_number', settings.phone_number);
  if (!social) sort('password', settings.password);
  sort('username', settings.username);
  sort('first_name', settings.first_name);
  sort('last_name', settings.last_name);
  if (settings.sign_up.legal_consent_enabled) required.push('legal_accepted');
  return { required, optional };
}

function present(row: SignUpRow, field: SignUpField): boolean {
  switch (field) {
    case 'email_address':
      return row.email_address !== null;
    case 'phone_number':
      return row.phone_number !== null;
    case 'password':
      return row.password_digest !== null;
    case 'username':
      return row.username !== null;
    case 'first_name':
      return row.first_name !== null;
    case 'last_name':
      return row.last_name !== null;
    case 'legal_accepted':
      return row.legal_accepted_at !== null;
  }
}

export function toSignUp(row: SignUpRow, settings: InstanceSettings, verifications: { email: Verification | null; external: Verification | null }, now: number): SignUp {
  const emailVerification = verifications.email;
  const external = verifications.external;
  const { required, optional } = fieldsOf(settings, external !== null);
  // Until the provider has answered, nothing else is asked for.
  const missingFields = external !== null && external.status !== 'verified' ? [] : required.filter((f) => !present(row, f));
  const emailVerified = emailVerification?.status === 'verified';
  const unverifiedFields: SignUpField[] =
    row.email_address !== null && settings.email_address.verify_at_sign_up && !emailVerified ? ['email_address'] : [];
  const status: SignUpStatus = row.created_user_id !== null ? 'complete' : row.abandon_at <= now ? 'abandoned' : 'missing_requirements';
  return {
    id: row.id,
    clientId: row.client_id,
    status,
    requiredFields: required,
    optionalFields: optional,
    missingFields,
    unverifiedFields,
    emailAddress: row.email_address,
    phoneNumber: row.phone_number,
    emailVerification,
    externalVerification: external,
    emailVerificationStrategies: [...settings.email_address.verifications],
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    passwordEnabled: row.password_digest !== null,
    unsafeMetadata: JSON.parse(row.unsafe_metadata) as Record<string, unknown>,
    legalAcceptedAt: row.legal_accepted_at,
    createdUserId: row.created_user_id,
    createdSessionId: row.created_session_id,
    abandonAt: row.abandon_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Nothing required is missing and nothing given is unverified: the sign-up can become a user. */
export function readyToComplete(signUp: SignUp): boolean {
  if (signUp.externalVerification && signUp.externalVerification.status !== 'verified') return false;
  return signUp.status === 'missing_requirements' && signUp.missingFields.length === 0 && signUp.unverifiedFields.length === 0;
}
