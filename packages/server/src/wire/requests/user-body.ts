import { z } from 'zod';
import { PASSWORD_HASHERS } from '../../crypto/password/index.js';
import { flag, metadataObject, rfc3339, text } from './fields.js';

/** One value or several, as Clerk's SDKs send identifiers (and agents often pass one). */
const identifiers = (what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().max(320)).max(100))
    .describe(what);
const statuses = z.array(z.enum(['verified', 'reserved'])).max(100);
const notYetSupported = (feature: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || v === '', {
      message: `${feature} is not supported by this server yet`,
    });
const metadata = (what: string) => metadataObject.describe(what).nullish();

const USER_FIELDS = {
  external_id: text('Your own system’s ID for this user.').nullish(),
  first_name: text('First name.').nullish(),
  last_name: text('Last name.').nullish(),
  locale: text('Locale (BCP 47).', 32).nullish(),
  username: text('Username (if usernames are enabled).').nullish(),
  password: z.string().describe('Password; checked against the password policy and known breaches.').nullish(),
  password_digest: text('An existing password hash to import.', 4096).nullish(),
  password_hasher: z.enum(PASSWORD_HASHERS).describe('The hasher that produced password_digest.').nullish(),
  skip_password_checks: flag('Skip the breached-password and strength checks (for migrations).').nullish(),
  skip_legal_checks: flag('Accepted for compatibility; legal acceptance is not enforced.').nullish(),
  totp_secret: text('An authenticator app’s base32 secret from another system; the user then has it, verified.', 256).nullish(),
  backup_codes: z.array(z.string().max(64)).max(100).describe('Backup codes from another system, each good once.').nullish(),
  delete_self_enabled: flag('Whether the user may delete their own account.').nullish(),
  create_organization_enabled: flag('Whether the user may create organizations.').nullish(),
  create_organizations_limit: z.number().int().min(0).max(1_000_000).describe('How many organizations the user may create.').nullish(),
  legal_accepted_at: rfc3339.nullish(),
  created_at: rfc3339.nullish(),
  public_metadata: metadata('Metadata readable by the frontend (and included in session tokens). Replaces the current value.'),
  private_metadata: metadata('Metadata only the backend can read. Replaces the current value.'),
  unsafe_metadata: metadata('Metadata the user can edit from the frontend. Replaces the current value.'),
};

/** `POST /v1/users`. */
export const CREATE_USER_FIELDS = {
  ...USER_FIELDS,
  email_address: identifiers('Email addresses; the first becomes primary.').optional(),
  email_address_identification_status: statuses.optional(),
  phone_number: identifiers('Phone numbers in E.164 form (+15555550100); the first becomes primary.').optional(),
  phone_number_identification_status: statuses.optional(),
  web3_wallet: notYetSupported('web3_wallet'),
  skip_password_requirement: flag('Allow a user without a password (e.g. one who signs in by email code).').nullish(),
  skip_user_requirement: flag('Allow a user without any identifier.').nullish(),
  bypass_client_trust: flag('Accepted for compatibility.').nullish(),
  banned: flag('Create the user banned.').nullish(),
  locked: flag('Create the user locked.').nullish(),
};

/** `PATCH /v1/users/{user_id}`: absent fields stay as they are. */
export const UPDATE_USER_FIELDS = {
  ...USER_FIELDS,
  primary_email_address_id: text('ID of one of the user’s verified email addresses to make primary.', 64).nullish(),
  primary_phone_number_id: text('ID of one of the user’s verified phone numbers to make primary.', 64).nullish(),
  primary_web3_wallet_id: notYetSupported('primary_web3_wallet_id'),
  sign_out_of_other_sessions: flag('With password: end every other session of the user.').nullish(),
  notify_primary_email_address_changed: flag('Accepted for compatibility.').nullish(),
  profile_image_id: z.string().nullish(),
};
