import { describe, expect, it } from 'vitest';
import { expectReplyMatchesSpec, hasOperation, listResponses, validateReply } from './clerk-spec.js';

const NOW = 1_700_000_000_000;

/** Smallest User the spec's `User` schema accepts, plus a few nullable edge cases. */
function minimalUser(): Record<string, unknown> {
  return {
    id: 'user_123',
    object: 'user',
    external_id: null,
    primary_email_address_id: 'idn_1',
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    username: null,
    first_name: 'Ada',
    last_name: null,
    has_image: false,
    image_url: 'https://img.example/ada.png',
    public_metadata: {},
    private_metadata: {},
    unsafe_metadata: {},
    email_addresses: [
      {
        id: 'idn_1',
        object: 'email_address',
        email_address: 'ada@example.com',
        reserved: false,
        verification: {
          object: 'verification_admin',
          status: 'verified',
          strategy: 'admin',
          attempts: null,
          expire_at: null,
        },
        linked_to: [],
        created_at: NOW,
        updated_at: NOW,
      },
    ],
    // `verification: null` exercises the `nullable` + `oneOf` rewrite.
    phone_numbers: [
      {
        id: 'idn_2',
        object: 'phone_number',
        phone_number: '+15555550100',
        reserved: false,
        verification: null,
        linked_to: [],
        created_at: NOW,
        updated_at: NOW,
      },
    ],
    web3_wallets: [],
    passkeys: [],
    password_enabled: true,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    last_sign_in_at: null,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: null,
    created_at: NOW,
    updated_at: NOW,
    delete_self_enabled: true,
    create_organization_enabled: true,
    last_active_at: null,
    legal_accepted_at: null,
    // `nullable` next to `allOf` without `type`: ajv would throw on it unmodified.
    scim: null,
  };
}

const clerkErrors = {
  errors: [{ message: 'not found', long_message: 'Resource not found', code: 'resource_not_found' }],
  clerk_trace_id: 'trace_1',
};

describe('clerk-spec reply validation', () => {
  it('accepts a minimal valid User for GET /users/{user_id} 200', () => {
    expect(validateReply('GET', '/users/{user_id}', 200, minimalUser())).toEqual({ valid: true });
    expectReplyMatchesSpec('get', '/v1/users/{user_id}', 200, minimalUser());
  });

  it('rejects an unknown extra field', () => {
    const result = validateReply('GET', '/users/{user_id}', 200, { ...minimalUser(), surprise: 1 });
    expect(result.valid).toBe(false);
    expect(!result.valid && result.errors).toContain('surprise');
    expect(() => expectReplyMatchesSpec('GET', '/users/{user_id}', 200, { ...minimalUser(), surprise: 1 })).toThrow(
      /does not match Clerk's BAPI spec[\s\S]*additionalProperty[\s\S]*"surprise"/,
    );
  });

  it('rejects a missing required field', () => {
    const { banned: _banned, ...user } = minimalUser();
    const result = validateReply('GET', '/users/{user_id}', 200, user);
    expect(result.valid).toBe(false);
    expect(!result.valid && result.errors).toContain('banned');
  });

  it('rejects a bad nested verification object', () => {
    const user = minimalUser();
    user.email_addresses = [
      { ...(user.email_addresses as Record<string, unknown>[])[0], verification: { object: 'verification_admin' } },
    ];
    expect(validateReply('GET', '/users/{user_id}', 200, user).valid).toBe(false);
  });

  it('accepts ClerkErrors for 404 (declared) and 422 (undeclared error status)', () => {
    expect(validateReply('GET', '/users/{user_id}', 404, clerkErrors)).toEqual({ valid: true });
    expect(validateReply('GET', '/users/{user_id}', 422, clerkErrors)).toEqual({ valid: true });
    expect(validateReply('GET', '/users/{user_id}', 404, { message: 'nope' }).valid).toBe(false);
  });

  it('validates prose-only error responses against ClerkErrors', () => {
    // verify_password 422 has a description but no schema.
    expect(validateReply('POST', '/users/{user_id}/verify_password', 422, clerkErrors)).toEqual({ valid: true });
    expect(validateReply('POST', '/users/{user_id}/verify_password', 422, {}).valid).toBe(false);
  });

  it('rejects an undeclared success status', () => {
    const result = validateReply('GET', '/users/{user_id}', 201, minimalUser());
    expect(result.valid).toBe(false);
    expect(!result.valid && result.errors).toContain('not declared');
  });

  it('accepts the other user endpoints', () => {
    expectReplyMatchesSpec('GET', '/users', 200, [minimalUser(), minimalUser()]);
    expect(validateReply('GET', '/users', 200, [{ ...minimalUser(), surprise: 1 }]).valid).toBe(false);
    expectReplyMatchesSpec('GET', '/users/count', 200, { object: 'total_count', total_count: 3 });
    expectReplyMatchesSpec('DELETE', '/users/{user_id}', 200, { object: 'user', id: 'user_123', deleted: true });
    expectReplyMatchesSpec('POST', '/users/{user_id}/verify_password', 200, { verified: true });
    expect(validateReply('POST', '/users/{user_id}/verify_password', 200, { verified: null }).valid).toBe(false);
  });

  it('knows which operations exist', () => {
    expect(hasOperation('GET', '/users/{user_id}')).toBe(true);
    expect(hasOperation('get', '/v1/users/{user_id}')).toBe(true);
    expect(hasOperation('PUT', '/users/{user_id}')).toBe(false);
    expect(hasOperation('GET', '/nope')).toBe(false);
    expect(() => validateReply('GET', '/nope', 200, {})).toThrow(/no operation/);
  });

  it('compiles the response schema of every operation and status in the spec', () => {
    const all = listResponses();
    const failures: string[] = [];
    for (const { method, pathTemplate, status } of all) {
      const code = status === 'default' ? 599 : Number(status);
      try {
        // Any body: we only care that compiling and running the validator does not throw.
        validateReply(method, pathTemplate, code, {});
      } catch (err) {
        failures.push(`${method.toUpperCase()} ${pathTemplate} ${status}: ${(err as Error).message}`);
      }
    }
    console.log(`clerk-spec: compiled ${all.length - failures.length}/${all.length} operation responses`);
    expect(failures).toEqual([]);
    expect(all.length).toBeGreaterThan(200);
  });
});
