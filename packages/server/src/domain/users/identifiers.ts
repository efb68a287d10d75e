import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { GatehouseError, paramError } from '../../errors.js';

/**
 * Normal forms of the identifiers a user is found by. Uniqueness is enforced on these forms, so
 * `Alice@Example.com` and `alice@example.com` are one address, and `+1 (415) 555-2671` and
 * `+14155552671` one number.
 */

const EMAIL_MAX_LENGTH = 254;
// Deliberately permissive local part (RFC 5322 atoms and dots); the domain needs at least one dot.
const EMAIL_PATTERN = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function normalizeEmail(input: string): string {
  return input.trim().normalize('NFKC').toLowerCase();
}

export function parseEmailAddress(input: string, paramName = 'email_address'): string {
  const email = normalizeEmail(input);
  const local = email.split('@')[0] ?? '';
  if (
    email.length > EMAIL_MAX_LENGTH ||
    local.length > 64 ||
    !EMAIL_PATTERN.test(email) ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..')
  ) {
    throw paramError('form_param_format_invalid', paramName, `${paramName} must be a valid email address.`);
  }
  return email;
}

/** E.164, e.g. +14155552671. Input must carry the country code (a leading +). */
export function parsePhoneNumber(input: string, paramName = 'phone_number'): string {
  const phone = parsePhoneNumberFromString(input.trim());
  if (!input.trim().startsWith('+') || !phone || !phone.isValid()) {
    throw paramError(
      'form_param_format_invalid',
      paramName,
      `${paramName} must be a valid phone number in international format, e.g. +14155552671.`,
    );
  }
  return phone.number;
}

/** Best-effort normal form for lookups: an unparsable number is searched as given. */
export function normalizePhoneForLookup(input: string): string {
  const phone = parsePhoneNumberFromString(input.trim());
  return phone?.isValid() ? phone.number : input.trim();
}

const USERNAME_PATTERN = /^[a-z0-9_.-]+$/;

export function normalizeUsername(input: string): string {
  return input.trim().normalize('NFKC').toLowerCase();
}

export function parseUsername(input: string): string {
  const username = normalizeUsername(input);
  if (username.length < 4 || username.length > 64) {
    throw new GatehouseError('form_username_invalid_length', { meta: { param_name: 'username' } });
  }
  if (!USERNAME_PATTERN.test(username)) {
    throw new GatehouseError('form_username_invalid_character', { meta: { param_name: 'username' } });
  }
  return username;
}
