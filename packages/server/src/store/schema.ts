import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Both dialects store the same values: timestamps as integer ms,
 * flags as 0/1 integers, JSON as text, so rows read back identically from SQLite and PostgreSQL.
 */
export interface Database {
  instance: InstanceTable;
  secret_keys: SecretKeyTable;
  users: UserTable;
  email_addresses: EmailAddressTable;
  phone_numbers: PhoneNumberTable;
  user_search: UserSearchTable;
  organizations: OrganizationTable;
  organization_permissions: OrganizationPermissionTable;
  organization_roles: OrganizationRoleTable;
  organization_role_permissions: OrganizationRolePermissionTable;
  organization_memberships: OrganizationMembershipTable;
  organization_invitations: OrganizationInvitationTable;
  organization_domains: OrganizationDomainTable;
  organization_suggestions: OrganizationSuggestionTable;
  organization_membership_requests: OrganizationMembershipRequestTable;
  invitations: InvitationTable;
  images: ImageTable;
  signing_keys: SigningKeyTable;
  clients: ClientTable;
  sessions: SessionTable;
  instance_settings: InstanceSettingsTable;
  verifications: VerificationTable;
  sign_ins: SignInTable;
  totps: TotpTable;
  backup_codes: BackupCodeTable;
  passkeys: PasskeyTable;
  session_reverifications: SessionReverificationTable;
  oauth_providers: OAuthProviderTable;
  oauth_flows: OAuthFlowTable;
  external_accounts: ExternalAccountTable;
  restriction_identifiers: RestrictionIdentifierTable;
  sign_ups: SignUpTable;
  handshake_payloads: HandshakePayloadTable;
  jwt_templates: JwtTemplateTable;
  events: EventTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  email_outbox: EmailOutboxTable;
  sms_outbox: SmsOutboxTable;
}

export interface InstanceTable {
  singleton: 1;
  id: string;
  created_at: number;
}

export interface SecretKeyTable {
  id: string;
  name: string;
  key_hash: string;
  /** The key's last four characters, so an operator can tell keys apart without seeing them. */
  hint: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type Flag = 0 | 1;

export interface UserTable {
  id: string;
  external_id: string | null;
  username: string | null;
  /** The person's profile image (`images`), or none. */
  image_id: string | null;
  first_name: string | null;
  last_name: string | null;
  locale: string | null;
  primary_email_address_id: string | null;
  primary_phone_number_id: string | null;
  password_digest: string | null;
  password_hasher: string | null;
  password_updated_at: number | null;
  password_compromised_at: number | null;
  public_metadata: string;
  private_metadata: string;
  unsafe_metadata: string;
  banned: Flag;
  locked_until: number | null;
  failed_verification_attempts: number;
  last_sign_in_at: number | null;
  last_active_at: number | null;
  legal_accepted_at: number | null;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
  /** Whether a verified TOTP (`totps`) and a set of backup codes (`backup_codes`) exist, written with them. */
  totp_enabled: Flag;
  backup_code_enabled: Flag;
  delete_self_enabled: Flag;
  create_organization_enabled: Flag;
  create_organizations_limit: number | null;
  created_at: number;
  updated_at: number;
}

export type VerificationStatus = 'verified' | 'unverified';

export interface EmailAddressTable {
  id: string;
  user_id: string;
  email_address: string;
  verification_status: VerificationStatus | null;
  verification_strategy: string | null;
  reserved: Flag;
  created_at: number;
  updated_at: number;
}

export interface PhoneNumberTable {
  id: string;
  user_id: string;
  phone_number: string;
  verification_status: VerificationStatus | null;
  verification_strategy: string | null;
  reserved: Flag;
  reserved_for_second_factor: Flag;
  default_second_factor: Flag;
  created_at: number;
  updated_at: number;
}

/** One lower-cased line of searchable text per user, trigram-indexed on both dialects. */
export interface UserSearchTable {
  seq: Generated<number>;
  user_id: string;
  search_text: string;
}

export interface OrganizationTable {
  id: string;
  name: string;
  slug: string;
  image_id: string | null;
  /** 0 means no limit. */
  max_allowed_memberships: number;
  admin_delete_enabled: Flag;
  public_metadata: string;
  private_metadata: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface OrganizationPermissionTable {
  id: string;
  key: string;
  name: string;
  description: string;
  type: 'system' | 'user';
  created_at: number;
  updated_at: number;
}

export interface OrganizationRoleTable {
  id: string;
  key: string;
  name: string;
  description: string | null;
  is_creator_eligible: Flag;
  created_at: number;
  updated_at: number;
}

export interface OrganizationRolePermissionTable {
  role_id: string;
  permission_id: string;
}

export interface OrganizationMembershipTable {
  id: string;
  organization_id: string;
  user_id: string;
  role_id: string;
  public_metadata: string;
  private_metadata: string;
  created_at: number;
  updated_at: number;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export type DomainEnrollmentMode = 'manual_invitation' | 'automatic_invitation' | 'automatic_suggestion';

export interface OrganizationDomainTable {
  id: string;
  organization_id: string;
  /** Lower-case host name, such as `example.com`. */
  name: string;
  enrollment_mode: DomainEnrollmentMode;
  verification_status: 'unverified' | 'verified';
  /** How it was verified: `email_code` (an affiliation address), `admin` (the Backend API). */
  verification_strategy: string | null;
  affiliation_email_address: string | null;
  verification_id: string | null;
  verified_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface OrganizationSuggestionTable {
  id: string;
  organization_id: string;
  user_id: string;
  status: 'pending' | 'accepted';
  created_at: number;
  updated_at: number;
}

export interface OrganizationMembershipRequestTable {
  id: string;
  organization_id: string;
  user_id: string;
  status: 'pending' | 'accepted' | 'rejected';
  created_at: number;
  updated_at: number;
}

export interface OrganizationInvitationTable {
  id: string;
  organization_id: string;
  email_address: string;
  role_id: string;
  inviter_user_id: string | null;
  /** Stored `pending` until accepted or revoked; an expired pending invitation reads as `expired`. */
  status: InvitationStatus;
  ticket_hash: string;
  redirect_url: string | null;
  public_metadata: string;
  private_metadata: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

export interface InvitationTable {
  id: string;
  email_address: string;
  status: InvitationStatus;
  ticket_hash: string;
  redirect_url: string | null;
  public_metadata: string;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ImageTable {
  id: string;
  content_type: string;
  bytes: Uint8Array;
  created_at: number;
}

export interface SigningKeyTable {
  kid: string;
  algorithm: 'RS256';
  public_jwk: string;
  /** PKCS#8 PEM sealed with the instance encryption key (see crypto/secret-box.ts). */
  private_key: string;
  activates_at: number;
  retires_at: number | null;
  expires_at: number | null;
  created_at: number;
}

export interface ClientTable {
  id: string;
  rotating_token_hash: string | null;
  last_active_session_id: string | null;
  /** The sign-in and sign-up in progress on this client, if any. */
  sign_in_id: string | null;
  sign_up_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface InstanceSettingsTable {
  singleton: 1;
  /** JSON: the settings that differ from the defaults (domain/settings/instance-settings.ts). */
  settings: string;
  updated_at: number;
}

/** `expired` is also derived at read time from `expire_at`. */
export type AttemptVerificationStatus = 'unverified' | 'verified' | 'failed' | 'expired' | 'transferable';

export interface VerificationTable {
  id: string;
  client_id: string;
  strategy: string;
  status: AttemptVerificationStatus;
  attempts: number;
  /** SHA-256 of the code or link token; null for strategies with no secret of their own (password). */
  secret_hash: string | null;
  email_address_id: string | null;
  /** The phone number a `phone_code` verifies. */
  phone_number_id: string | null;
  expire_at: number | null;
  verified_at: number | null;
  /** Why an OAuth verification failed or must be transferred (a Clerk error code). */
  error_code: string | null;
  created_at: number;
  updated_at: number;
}

/** A user's authenticator app: the secret sealed with the instance key; unconfirmed until a first code is given. */
export interface TotpTable {
  id: string;
  user_id: string;
  secret: string;
  verified_at: number | null;
  /** The latest time step a code was accepted for: no code of that step or an earlier one is taken again. */
  last_used_step: number | null;
  created_at: number;
  updated_at: number;
}

/** One backup code, as a keyed hash; `used_at` once it has been used. */
export interface BackupCodeTable {
  id: string;
  user_id: string;
  code_digest: string;
  used_at: number | null;
  created_at: number;
}

/** A WebAuthn credential of a user; until registered, only the challenge of its registration. */
export interface PasskeyTable {
  id: string;
  user_id: string;
  name: string;
  /** base64url, as browsers name credentials. */
  credential_id: string | null;
  /** The COSE public key, base64url. */
  public_key: string | null;
  sign_count: number;
  /** JSON array of the authenticator's transports. */
  transports: string | null;
  challenge_hash: string | null;
  challenge_expires_at: number | null;
  verified_at: number | null;
  last_used_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A session's step-up verification in progress: the level asked for and the factors verified for it. */
export interface SessionReverificationTable {
  session_id: string;
  level: string;
  first_factor_verification_id: string | null;
  second_factor_verification_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface SignInTable {
  id: string;
  client_id: string;
  user_id: string | null;
  identifier: string | null;
  email_address_id: string | null;
  first_factor_verification_id: string | null;
  second_factor_verification_id: string | null;
  /** When the new password of a forgotten-password sign-in was set, while a second factor is still due. */
  password_reset_at: number | null;
  /** The organization invitation a ticket sign-in accepts once its second factor is in. */
  organization_invitation_id: string | null;
  created_session_id: string | null;
  abandon_at: number;
  created_at: number;
  updated_at: number;
}

export interface HandshakePayloadTable {
  nonce_hash: string;
  /** JSON array of Set-Cookie strings. */
  directives: string;
  expires_at: number;
  created_at: number;
}

export interface SignUpTable {
  id: string;
  client_id: string;
  email_address: string | null;
  /** E.164; kept unverified on the user the sign-up becomes. */
  phone_number: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  password_digest: string | null;
  password_hasher: string | null;
  unsafe_metadata: string;
  legal_accepted_at: number | null;
  email_verification_id: string | null;
  /** The instance invitation whose ticket started it; accepted when the sign-up completes. */
  invitation_id: string | null;
  /** The organization invitation whose ticket started it; accepted, with the membership, on completion. */
  organization_invitation_id: string | null;
  created_user_id: string | null;
  /** The OAuth verification a social sign-up came from; its flow holds what the provider said. */
  external_verification_id: string | null;
  created_session_id: string | null;
  abandon_at: number;
  created_at: number;
  updated_at: number;
}

/** Stored states; `expired` and `abandoned` are also derived at read time from the timestamps. */
export type SessionStatus = 'active' | 'ended' | 'revoked' | 'removed' | 'expired' | 'abandoned';

export interface SessionTable {
  id: string;
  client_id: string;
  user_id: string;
  status: SessionStatus;
  last_active_organization_id: string | null;
  actor: string | null;
  first_factor_verified_at: number | null;
  second_factor_verified_at: number | null;
  /** What the person must do before apps let them in (`setup-mfa`), as Clerk's session tasks. */
  pending_task: string | null;
  last_active_at: number;
  expire_at: number;
  abandon_at: number;
  /** The address and user agent of the session's start or latest touch. */
  activity_ip: string | null;
  activity_user_agent: string | null;
  created_at: number;
  updated_at: number;
}

export interface JwtTemplateTable {
  id: string;
  name: string;
  claims: string;
  lifetime: number;
  allowed_clock_skew: number;
  created_at: number;
  updated_at: number;
}

export type ActorType = 'secret_key' | 'user' | 'system';

export interface EventTable {
  seq: Generated<number>;
  id: string;
  type: string;
  /** Webhook-shaped payload (JSON text). */
  data: string;
  actor_type: ActorType;
  actor_id: string | null;
  actor_detail: string | null;
  ip: string | null;
  user_agent: string | null;
  subject_user_id: string | null;
  subject_organization_id: string | null;
  /** For updates: `{field: [before, after]}` of the fields that changed (JSON text). */
  diff: string | null;
  created_at: number;
  /**
   * PostgreSQL: the id of the transaction that appended the event, so webhook fan-out reads the
   * log in commit order. SQLite has one writer at a time and keeps 0 (`seq` is commit order).
   */
  txid: Generated<number>;
}

export interface WebhookEndpointTable {
  id: string;
  url: string;
  description: string | null;
  /** JSON array of event types, or null for every Clerk event type. */
  events: string | null;
  enabled: Flag;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  disabled_reason: string | null;
  failing_since: number | null;
  cursor_txid: number;
  cursor_seq: number;
  /** Highest event seq when the endpoint was created; only later events are delivered. */
  created_seq: number;
  created_at: number;
  updated_at: number;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  event_seq: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  locked_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptTable {
  id: Generated<number>;
  delivery_id: string;
  attempted_at: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

/** What an email is for; the Frontend API's flows each queue one kind. */
export type EmailKind = 'verification_code' | 'verification_link' | 'magic_link' | 'password_reset_code' | 'invitation' | 'sign_in_no_account' | 'sign_up_account_exists';

/** `sent` once an SMTP server accepted it (or it reached the development inbox); `failed` when the recipient was refused for good. */
export type EmailStatus = 'pending' | 'sent' | 'failed';

/** How a sent email left: over SMTP, or into the development inbox (no SMTP server configured). */
export type EmailTransport = 'smtp' | 'inbox';

/** The email outbox: rows queued in the transaction of the change that sends them, delivered by the mail dispatcher. */
export interface EmailOutboxTable {
  id: string;
  to_address: string;
  /** Null: the instance's sender (GATEHOUSE_EMAIL_FROM) at delivery. */
  from_address: string | null;
  subject: string;
  /** The bodies carry codes and links: blanked once sent over SMTP or failed, kept in the development inbox. */
  text_body: string | null;
  html_body: string | null;
  kind: EmailKind;
  user_id: string | null;
  status: EmailStatus;
  /** Null until delivered. */
  transport: EmailTransport | null;
  attempts: number;
  next_attempt_at: number;
  /** A dispatcher's claim: no other process sends the row before this. */
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** A text message waiting for delivery; without an SMS provider only the development inbox shows it. */
export interface SmsOutboxTable {
  id: string;
  to_phone_number: string;
  kind: 'verification_code';
  /** Carries the code: never logged, never in an event. */
  body: string;
  user_id: string | null;
  created_at: number;
}

/** A social provider the operator configured, by Clerk strategy name (`oauth_google`, `oauth_custom_<key>`). */
export interface OAuthProviderTable {
  strategy: string;
  /** Which built-in behaviour it follows: `google`, `github`, …, or `oidc` for any OpenID provider. */
  preset: string;
  name: string;
  client_id: string;
  client_secret_sealed: string | null;
  /** Space-separated, as OAuth sends them. */
  scopes: string;
  enabled: Flag;
  issuer: string | null;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  userinfo_endpoint: string | null;
  logo_url: string | null;
  created_at: number;
  updated_at: number;
}

export type OAuthIntent = 'sign_in' | 'sign_up' | 'connect';

/** One redirect to a provider and back; found by its state's hash and consumed once. */
export interface OAuthFlowTable {
  id: string;
  state_hash: string;
  client_id: string;
  strategy: string;
  intent: OAuthIntent;
  /** The verification the flow answers: a sign-in's first factor, a sign-up's, or a connection's. */
  verification_id: string;
  /** Whose account a `connect` flow adds to. */
  user_id: string | null;
  code_verifier_sealed: string;
  nonce: string;
  redirect_url: string;
  action_complete_redirect_url: string | null;
  /** What the provider said of the person (JSON; tokens sealed), once the callback has run. */
  profile: string | null;
  expire_at: number;
  consumed_at: number | null;
  created_at: number;
}

/** A user's account at a provider, unique per provider and subject. */
export interface ExternalAccountTable {
  id: string;
  user_id: string;
  provider: string;
  provider_user_id: string;
  email_address: string;
  email_address_verified: Flag;
  first_name: string;
  last_name: string;
  image_url: string;
  username: string | null;
  approved_scopes: string;
  /** The provider's access and refresh tokens (JSON), sealed with the instance key. */
  tokens_sealed: string | null;
  access_token_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export type RestrictionList = 'allowlist' | 'blocklist';

/** An identifier on the allowlist or the blocklist: an email address, `*@domain`, or a phone number. */
export interface RestrictionIdentifierTable {
  id: string;
  list: RestrictionList;
  identifier: string;
  identifier_type: 'email_address' | 'phone_number';
  created_at: number;
  updated_at: number;
}
