/**
 * The error catalog lists what clients can receive: every code in it is thrown somewhere (or is
 * named here as reserved, with the reason), so the catalog never advertises a code nothing sends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, GatehouseError, type ErrorCode, type ErrorMeta, type ErrorOptions } from '../src/errors.js';
import { PACKAGE_ROOT } from './support/cli.js';

const param = { param_name: 'email_address' };
const passwordLength = { param_name: 'password', min_length: 8, max_length: 256 };

/** A `meta` each code may carry, typed by the catalog: a new code must say what its meta is. */
const SAMPLE_META: { [C in ErrorCode]: ErrorMeta<C> } = {
  clerk_key_invalid: undefined,
  resource_not_found: undefined,
  request_body_invalid: undefined,
  request_body_too_large: undefined,
  request_invalid: undefined,
  request_timeout: undefined,
  request_header_too_large: undefined,
  unsupported_content_type: undefined,
  form_param_missing: param,
  form_param_nil: param,
  form_param_format_invalid: param,
  form_param_value_invalid: param,
  form_param_exceeds_allowed_size: param,
  form_identifier_exists: param,
  ticket_invalid: { param_name: 'ticket' },
  form_username_invalid_length: { param_name: 'username' },
  form_username_invalid_character: { param_name: 'username' },
  form_password_length_too_short: passwordLength,
  form_password_length_too_long: passwordLength,
  form_password_pwned: { param_name: 'password', reason: 'common' },
  form_password_not_strong_enough: { param_name: 'password', reason: 'context' },
  form_password_digest_invalid: { param_name: 'password_digest' },
  form_password_incorrect: { param_name: 'password' },
  form_password_compromised: { param_name: 'password' },
  password_not_set: undefined,
  oauth_provider_unavailable: { provider: 'oauth_google' },
  oauth_callback_invalid: undefined,
  oauth_access_denied: undefined,
  oauth_token_exchange_error: undefined,
  oauth_fetch_user_error: undefined,
  external_account_not_found: undefined,
  external_account_exists: undefined,
  external_account_email_address_verification_required: undefined,
  organization_membership_quota_exceeded: { max_allowed_memberships: 5 },
  organization_minimum_permissions_needed: undefined,
  already_a_member_in_organization: { param_name: 'user_id' },
  duplicate_record: param,
  organization_role_in_use: undefined,
  system_resource_not_modifiable: { param_name: 'key' },
  invitation_not_pending: { status: 'accepted' },
  user_banned: undefined,
  user_locked: { lockout_expires_in_seconds: 60 },
  session_not_active: { status: 'revoked' },
  form_identifier_not_found: { param_name: 'identifier' },
  form_code_incorrect: { param_name: 'code' },
  verification_expired: { param_name: 'code' },
  verification_failed: { param_name: 'code' },
  verification_already_verified: { param_name: 'code' },
  verification_missing: { strategy: 'email_code' },
  verification_link_invalid: undefined,
  verification_link_other_client: undefined,
  strategy_for_user_invalid: { param_name: 'strategy' },
  passkey_invalid: { param_name: 'public_key_credential' },
  passkey_already_registered: { param_name: 'public_key_credential' },
  session_reverification_required: { level: 'second_factor', after_minutes: 10 },
  totp_already_enabled: undefined,
  totp_not_enabled: undefined,
  sign_in_step_invalid: { status: 'complete' },
  sign_up_restricted: undefined,
  organization_not_found_or_unauthorized: undefined,
  missing_permission: { permission: 'org:sys_profile:manage' },
  organization_creation_not_allowed: undefined,
  organization_domain_common: { param_name: 'name' },
  organization_creation_limit_reached: { limit: 3 },
  too_many_requests: undefined,
  not_allowed_access: undefined,
  signed_out: undefined,
  session_exists: undefined,
  origin_invalid: { origin: 'https://evil.example' },
  internal_clerk_error: undefined,
  service_unavailable: undefined,
};

function sample<C extends ErrorCode>(code: C): GatehouseError<C> {
  const options = { meta: SAMPLE_META[code] } as ErrorOptions<C>[0];
  return new GatehouseError(code, ...([options] as ErrorOptions<C>));
}

/** Codes kept in the catalog although nothing throws them yet, and why. */
const RESERVED: Partial<Record<ErrorCode, string>> = {};

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourcesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

const SRC = path.join(PACKAGE_ROOT, 'src');
const catalogFile = path.join(SRC, 'errors.ts');
const throwingCode = sourcesUnder(SRC)
  .filter((file) => file !== catalogFile)
  .map((file) => fs.readFileSync(file, 'utf8'))
  .join('\n');

describe('the error catalog', () => {
  it.each(Object.keys(ERROR_CATALOG) as ErrorCode[])('has %s thrown somewhere outside the catalog, or reserved with a reason', (code) => {
    const used = throwingCode.includes(`'${code}'`);
    expect(used || RESERVED[code] !== undefined, `${code} is in the catalog but nothing sends it`).toBe(true);
    if (RESERVED[code] !== undefined) expect(used, `${code} is sent, so it is no longer reserved`).toBe(false);
  });

  it.each(Object.keys(ERROR_CATALOG) as ErrorCode[])('gives %s an error status and a message in both lengths, and its meta as given', (code) => {
    const error = sample(code);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(600);
    const json = error.toJSON();
    expect(json.code).toBe(code);
    expect(json.message.length).toBeGreaterThan(0);
    expect(json.long_message.length).toBeGreaterThan(0);
    expect(json.meta).toEqual(SAMPLE_META[code] ?? {});
  });
});
