/**
 * Every client-visible error Gatehouse emits, in one registry, so the domain, the HTTP layer and
 * the docs agree on codes, statuses and wording. The domain throws `GatehouseError`s built here;
 * the HTTP layer serializes them into Clerk's `{errors:[…]}` envelope in one place.
 */

export interface ClerkErrorJSON {
  code: string;
  message: string;
  long_message: string;
  meta: Record<string, unknown>;
}

/**
 * Each entry's `longMessage` declares the entry's `meta`: its parameter type is what a thrower must
 * give (`() =>` takes none, an optional parameter makes it optional).
 */
interface CatalogEntry {
  status: number;
  message: string;
  longMessage: (meta: never) => string;
}

/** The parameter a validation error is about, as Clerk names it (`email_address`, `password`). */
export interface ParamMeta {
  param_name: string;
}
interface PasswordLengthMeta extends ParamMeta {
  min_length: number;
  max_length: number;
}
interface PasswordRejectionMeta extends ParamMeta {
  /** Which check refused it: `common`, `context`, or one of the guessability checks. */
  reason: string;
}
interface StatusMeta {
  status: string;
}

export const ERROR_CATALOG = {
  clerk_key_invalid: {
    status: 401,
    message: 'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
    longMessage: () =>
      'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
  },
  resource_not_found: {
    status: 404,
    message: 'not found',
    longMessage: () => 'Resource not found',
  },
  request_body_invalid: {
    status: 400,
    message: 'Request body invalid',
    longMessage: () => 'The request body could not be parsed as JSON.',
  },
  request_body_too_large: {
    status: 413,
    message: 'Request body too large',
    longMessage: () => 'The request body exceeds the maximum allowed size.',
  },
  request_invalid: {
    status: 400,
    message: 'Request invalid',
    longMessage: () => 'The request could not be parsed.',
  },
  request_timeout: {
    status: 408,
    message: 'Request timeout',
    longMessage: () => 'The request was not received in time.',
  },
  request_header_too_large: {
    status: 431,
    message: 'Request headers too large',
    longMessage: () => 'The request line and headers exceed the maximum allowed size.',
  },
  unsupported_content_type: {
    status: 415,
    message: 'Unsupported content type',
    longMessage: () => 'The request content type is not supported. Send application/json.',
  },
  form_param_missing: {
    status: 422,
    message: 'is missing',
    longMessage: (m: ParamMeta) => `${m.param_name} must be included.`,
  },
  form_param_nil: {
    status: 422,
    message: 'is empty',
    longMessage: (m: ParamMeta) => `${m.param_name} must not be empty.`,
  },
  form_param_format_invalid: {
    status: 422,
    message: 'is invalid',
    longMessage: (m: ParamMeta) => `${m.param_name} is invalid.`,
  },
  form_param_value_invalid: {
    status: 422,
    message: 'is invalid',
    longMessage: (m: ParamMeta) => `${m.param_name} has an invalid value.`,
  },
  form_param_exceeds_allowed_size: {
    status: 422,
    message: 'is too large',
    longMessage: (m: ParamMeta) => `${m.param_name} exceeds the maximum allowed size.`,
  },
  form_identifier_exists: {
    status: 422,
    message: 'That identifier is taken. Please try another.',
    longMessage: (m: ParamMeta) => `That ${m.param_name.replace(/_/g, ' ')} is taken. Please try another.`,
  },
  form_username_invalid_length: {
    status: 422,
    message: 'Username length is invalid',
    longMessage: (_: ParamMeta) => 'Username must be between 4 and 64 characters long.',
  },
  form_username_invalid_character: {
    status: 422,
    message: 'Username contains invalid characters',
    longMessage: (_: ParamMeta) => 'Username can only contain letters, numbers, and the characters _ - .',
  },
  form_password_length_too_short: {
    status: 422,
    message: 'Password is too short',
    longMessage: (m: PasswordLengthMeta) => `Passwords must be ${m.min_length} characters or more.`,
  },
  form_password_length_too_long: {
    status: 422,
    message: 'Password is too long',
    longMessage: (m: PasswordLengthMeta) => `Passwords must be ${m.max_length} characters or fewer.`,
  },
  form_password_compromised: {
    status: 422,
    message: 'Password compromised',
    longMessage: (_: ParamMeta) => 'Your password may be compromised. To protect your account, reset your password to continue.',
  },
  form_password_pwned: {
    status: 422,
    message: 'Password has been found in an online data breach.',
    longMessage: (_: PasswordRejectionMeta) =>
      'Password has been found in an online data breach. For account safety, please use a different password.',
  },
  form_password_not_strong_enough: {
    status: 422,
    message: 'Password is not strong enough.',
    longMessage: (_: PasswordRejectionMeta) =>
      'Given password is not strong enough: it contains your name, email address, username or the application name.',
  },
  form_password_digest_invalid: {
    status: 422,
    message: 'is invalid',
    longMessage: (_: ParamMeta) => 'The password digest is not valid for the given password_hasher.',
  },
  form_password_incorrect: {
    status: 422,
    message: 'Password is incorrect',
    longMessage: (_: ParamMeta) => 'Password is incorrect. Try again, or use another method.',
  },
  password_not_set: {
    status: 400,
    message: 'Password not set',
    longMessage: () => 'The user does not have a password set.',
  },
  organization_membership_quota_exceeded: {
    status: 403,
    message: 'Membership quota exceeded',
    longMessage: (m: { max_allowed_memberships: number }) =>
      `This organization has reached its limit of ${m.max_allowed_memberships} memberships; pending invitations count toward it.`,
  },
  organization_minimum_permissions_needed: {
    status: 403,
    message: 'Minimum permissions needed',
    longMessage: () =>
      'There has to be at least one organization member with the permission to manage memberships (org:sys_memberships:manage).',
  },
  already_a_member_in_organization: {
    status: 400,
    message: 'Already a member',
    longMessage: (_: ParamMeta) => 'This user is already a member of the organization.',
  },
  duplicate_record: {
    status: 422,
    message: 'Duplicate record',
    longMessage: (_?: ParamMeta) => 'A record with the same identifying values already exists.',
  },
  organization_role_in_use: {
    status: 422,
    message: 'Role in use',
    longMessage: () => 'This role is assigned to organization members or invitations; reassign them before deleting it.',
  },
  system_resource_not_modifiable: {
    status: 422,
    message: 'Not modifiable',
    longMessage: (_?: ParamMeta) => 'System roles and permissions cannot be deleted, and their keys cannot change.',
  },
  ticket_invalid: {
    status: 422,
    message: 'Invalid invitation',
    longMessage: (_: ParamMeta) => 'This invitation is invalid: it was already used, revoked, or has expired.',
  },
  invitation_not_pending: {
    status: 400,
    message: 'Invitation is not pending',
    longMessage: (m: StatusMeta) => `Only a pending invitation can be revoked; this one is ${m.status}.`,
  },
  user_banned: {
    status: 403,
    message: 'User is banned',
    longMessage: () => 'This user is banned and cannot have sessions.',
  },
  user_locked: {
    status: 403,
    message: 'User is locked',
    longMessage: (_?: { lockout_expires_in_seconds: number }) => 'This user is locked and cannot have new sessions until the lock expires.',
  },
  session_not_active: {
    status: 422,
    message: 'Session is not active',
    longMessage: (m: StatusMeta) => `Tokens are only issued for active sessions; this one is ${m.status}.`,
  },
  form_identifier_not_found: {
    status: 422,
    message: "Couldn't find your account.",
    longMessage: (_: ParamMeta) => "Couldn't find your account.",
  },
  form_code_incorrect: {
    status: 422,
    message: 'Incorrect code',
    longMessage: (_: ParamMeta) => 'The code is incorrect. Try again, or ask for a new one.',
  },
  verification_expired: {
    status: 422,
    message: 'Verification expired',
    longMessage: (_?: ParamMeta) => 'This verification has expired. Ask for a new code or link.',
  },
  verification_failed: {
    status: 422,
    message: 'Too many failed attempts',
    longMessage: (_?: ParamMeta) => 'Too many failed attempts: this verification has failed. Ask for a new code.',
  },
  verification_already_verified: {
    status: 400,
    message: 'Already verified',
    longMessage: (_?: ParamMeta) => 'This verification has already been completed.',
  },
  verification_missing: {
    status: 422,
    message: 'Verification missing',
    longMessage: (m: { strategy: string }) => `Prepare the ${m.strategy} verification before attempting it.`,
  },
  verification_link_invalid: {
    status: 400,
    message: 'Invalid link',
    longMessage: () => 'This link is invalid or has already been used. Ask for a new one.',
  },
  verification_link_other_client: {
    status: 403,
    message: 'Link opened in another browser',
    longMessage: () => 'Open this link in the browser where you asked for it.',
  },
  strategy_for_user_invalid: {
    status: 422,
    message: 'Invalid verification strategy',
    longMessage: (_: ParamMeta) => 'This verification strategy is not valid for this account.',
  },
  passkey_invalid: {
    status: 422,
    message: 'Passkey not verified',
    longMessage: (_?: ParamMeta) => 'This passkey could not be verified. Try again, or use another way to sign in.',
  },
  passkey_already_registered: {
    status: 422,
    message: 'Passkey already registered',
    longMessage: (_?: ParamMeta) => 'This passkey is already registered to an account.',
  },
  session_reverification_required: {
    status: 403,
    message: 'Additional verification required',
    longMessage: (_: { level: string; after_minutes: number }) => 'For this change, confirm it is you: verify your identity again, then retry.',
  },
  totp_already_enabled: {
    status: 400,
    message: 'Authenticator app already enabled',
    longMessage: () => 'This account already has an authenticator app. Remove it before adding another.',
  },
  totp_not_enabled: {
    status: 400,
    message: 'No authenticator app',
    longMessage: () => 'This account has no authenticator app, so it has no two-step verification to check or to back up.',
  },
  sign_in_step_invalid: {
    status: 400,
    message: 'This step is not available now',
    longMessage: (m: StatusMeta) => `This attempt is ${m.status.replace(/_/g, ' ')}; that step is not available now.`,
  },
  sign_up_restricted: {
    status: 403,
    message: 'Sign-ups are restricted',
    longMessage: () => 'This application does not accept new sign-ups right now.',
  },
  too_many_requests: {
    status: 429,
    message: 'Too many requests',
    longMessage: () => 'Too many requests. Please wait a moment and try again.',
  },
  not_allowed_access: {
    status: 403,
    message: 'Not allowed',
    longMessage: () => 'You are not allowed to perform this action.',
  },
  organization_not_found_or_unauthorized: {
    status: 404,
    message: 'Organization not found or unauthorized',
    longMessage: () => 'The organization does not exist, or you are not a member of it.',
  },
  missing_permission: {
    status: 403,
    message: 'Missing permission',
    longMessage: (m: { permission: string }) => `Your role in this organization does not have the ${m.permission} permission.`,
  },
  organization_domain_common: {
    status: 422,
    message: 'Common email domain',
    longMessage: (_m: ParamMeta) => 'This is a public email provider anyone can have an address at; an organization cannot claim it.',
  },
  organization_creation_not_allowed: {
    status: 403,
    message: 'Organization creation not allowed',
    longMessage: () => 'You are not allowed to create organizations.',
  },
  organization_creation_limit_reached: {
    status: 403,
    message: 'Organization limit reached',
    longMessage: (m: { limit: number }) => `You have created the maximum number of organizations allowed (${m.limit}).`,
  },
  signed_out: {
    status: 401,
    message: 'Signed out',
    longMessage: () => 'You are signed out: this request needs an active session of this client.',
  },
  session_exists: {
    status: 400,
    message: "You're already signed in",
    longMessage: () => "You're already signed in.",
  },
  origin_invalid: {
    status: 403,
    message: 'Origin not allowed',
    longMessage: (m: { origin: string }) => `Requests from ${m.origin} are not allowed: add the origin to GATEHOUSE_ALLOWED_ORIGINS.`,
  },
  internal_clerk_error: {
    status: 500,
    message: 'Oops, an unexpected error occurred',
    longMessage: () => 'There was an internal error on our servers. We have been notified and are working on fixing it.',
  },
  oauth_provider_unavailable: {
    status: 503,
    message: 'Provider unavailable',
    longMessage: (_: { provider: string }) => 'The sign-in provider could not be reached. Try again in a moment, or use another way to sign in.',
  },
  oauth_callback_invalid: {
    status: 400,
    message: 'Invalid sign-in callback',
    longMessage: () => 'This sign-in link is not valid in this browser, or it was used already. Start the sign-in again.',
  },
  oauth_access_denied: {
    status: 422,
    message: 'Access denied',
    longMessage: () => 'You did not grant access to your account.',
  },
  oauth_token_exchange_error: {
    status: 422,
    message: 'Sign-in with the provider failed',
    longMessage: () => 'The provider did not confirm this sign-in. Try again, or use another way to sign in.',
  },
  oauth_fetch_user_error: {
    status: 422,
    message: 'Sign-in with the provider failed',
    longMessage: () => 'The provider did not say which account signed in. Try again, or use another way to sign in.',
  },
  external_account_not_found: {
    status: 422,
    message: 'Account not found',
    longMessage: () => 'No account is connected to this provider account yet.',
  },
  external_account_exists: {
    status: 422,
    message: 'Account already exists',
    longMessage: () => 'This provider account is already connected to an account.',
  },
  external_account_email_address_verification_required: {
    status: 422,
    message: 'Email address not verified',
    longMessage: () => 'The provider has not verified the email address of this account, and an account with that address exists. Sign in to that account, then connect the provider from your profile.',
  },
  service_unavailable: {
    status: 503,
    message: 'Service unavailable',
    longMessage: () => 'The server is shutting down or its store is unreachable. Retry shortly.',
  },
} satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The `meta` a code carries: `undefined` for codes that carry none. */
export type ErrorMeta<C extends ErrorCode> = Parameters<(typeof ERROR_CATALOG)[C]['longMessage']>[0];

/** What `new GatehouseError(code, …)` takes after the code: `meta` is required exactly when the code's meta is. */
export type ErrorOptions<C extends ErrorCode> = C extends ErrorCode
  ? undefined extends ErrorMeta<C>
    ? [options?: { meta?: ErrorMeta<C>; longMessage?: string }]
    : [options: { meta: ErrorMeta<C>; longMessage?: string }]
  : never;

export class GatehouseError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: number;
  readonly code: C;
  readonly longMessage: string;
  readonly meta: Readonly<Record<string, unknown>> | undefined;

  constructor(code: C, ...[options]: ErrorOptions<C>) {
    const entry = ERROR_CATALOG[code];
    super(entry.message);
    this.name = 'GatehouseError';
    this.status = entry.status;
    this.code = code;
    const meta: object | undefined = options?.meta;
    this.meta = meta as Readonly<Record<string, unknown>> | undefined;
    this.longMessage = options?.longMessage ?? (entry.longMessage as (meta: unknown) => string)(meta);
  }

  toJSON(): ClerkErrorJSON {
    // Every reply carries `meta`, empty when there is nothing to say, so clients can read it unguarded.
    return { code: this.code, message: this.message, long_message: this.longMessage, meta: this.meta ?? {} };
  }
}

/** Shorthand for the most common validation failure: one named parameter is wrong. */
export function paramError(
  code: 'form_param_missing' | 'form_param_nil' | 'form_param_format_invalid' | 'form_param_value_invalid' | 'form_param_exceeds_allowed_size' | 'form_identifier_exists',
  paramName: string,
  longMessage?: string,
): GatehouseError {
  return new GatehouseError(code, longMessage === undefined ? { meta: { param_name: paramName } } : { meta: { param_name: paramName }, longMessage });
}

export function notFound(): GatehouseError {
  return new GatehouseError('resource_not_found');
}

/** The codes an OAuth verification can end with; none needs `meta`, so the stored code alone rebuilds the error. */
export type VerificationErrorCode =
  | 'oauth_access_denied'
  | 'oauth_token_exchange_error'
  | 'oauth_fetch_user_error'
  | 'external_account_not_found'
  | 'external_account_exists'
  | 'external_account_email_address_verification_required'
  | 'verification_expired'
  | 'user_locked'
  | 'user_banned'
  | 'not_allowed_access';

const VERIFICATION_ERROR_CODES: ReadonlySet<string> = new Set<VerificationErrorCode>([
  'oauth_access_denied',
  'oauth_token_exchange_error',
  'oauth_fetch_user_error',
  'external_account_not_found',
  'external_account_exists',
  'external_account_email_address_verification_required',
  'verification_expired',
  'user_locked',
  'user_banned',
  'not_allowed_access',
]);

/** The error a verification carries, from the code stored with it (an unknown one reads as a failed exchange). */
export function verificationErrorJson(code: string): ClerkErrorJSON {
  const known = VERIFICATION_ERROR_CODES.has(code) ? (code as VerificationErrorCode) : 'oauth_token_exchange_error';
  return new GatehouseError(known).toJSON();
}
