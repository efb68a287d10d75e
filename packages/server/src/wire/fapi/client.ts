import { verificationErrorJson } from '../../errors.js';
import type { SessionReverification } from '../../domain/sessions/reverification.js';
import { serializeFapiPasskey } from '../passkey.js';
import type { DeletedObject } from '../../domain/deleted-object.js';
import type { BrowserClient, BrowserSession } from '../../domain/sessions/browser-clients.js';
import type { OwnSession } from '../../domain/sessions/own-sessions.js';
import type { SignIn } from '../../domain/sign-ins/sign-in.js';
import type { SignUp } from '../../domain/sign-ups/sign-up.js';
import type { User } from '../../domain/users/user.js';
import type { Verification } from '../../domain/verifications/verifications.js';
import { serializeUser } from '../user.js';
import { serializeFapiMembership } from './organization.js';
import type { OrganizationMembership } from '../../domain/organizations/types.js';

/** Clerk's Frontend API shapes (`Client.*` in the FAPI spec): what clerk-js reads about a browser's client. */

/** The user as the browser may see it: everything but private metadata, with their memberships. */
export function serializeFapiUser(user: User, memberships: readonly OrganizationMembership[]) {
  const { private_metadata: _private, locale: _locale, create_organizations_limit: limit, ...visible } = serializeUser(user);
  // The FAPI spec types the limit as an integer: no limit is said by leaving it out.
  return {
    ...visible,
    passkeys: user.passkeys.map(serializeFapiPasskey),
    ...(limit !== null ? { create_organizations_limit: limit } : {}),
    organization_memberships: memberships.map(serializeFapiMembership),
  };
}

/** Something the person deleted, as the browser sees it (`Client.DeletedObject`): no external id. */
export function serializeFapiDeleted(deleted: DeletedObject) {
  return { object: deleted.object, id: deleted.id, deleted: true };
}

function publicUserData(user: User) {
  const primary = user.emailAddresses.find((e) => e.id === user.primaryEmailAddressId);
  return {
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: user.imageUrl,
    has_image: user.hasImage,
    identifier: primary?.emailAddress ?? user.username ?? '',
    user_id: user.id,
  };
}

/** The fields every FAPI session shape shares (`Client.SessionBase`). */
function sessionBase(s: BrowserSession) {
  const { session } = s;
  return {
    object: 'session',
    id: session.id,
    status: session.status === 'active' && session.pendingTask ? 'pending' : session.status,
    tasks: session.status === 'active' && session.pendingTask ? [{ key: session.pendingTask }] : null,
    expire_at: session.expireAt,
    abandon_at: session.abandonAt,
    last_active_at: session.lastActiveAt,
    last_active_token: s.token ? { object: 'token', jwt: s.token.jwt } : null,
    actor: session.actor,
  };
}

export function serializeFapiSession(s: BrowserSession) {
  const { session, user } = s;
  return {
    ...sessionBase(s),
    last_active_organization_id: session.lastActiveOrganizationId,
    user: serializeFapiUser(user, s.memberships),
    public_user_data: publicUserData(user),
    factor_verification_age: s.factorVerificationAge,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}

/** One of the person's devices, as `<UserProfile/>` lists them (`Client.ActiveSession`). */
export function serializeActiveSession(own: OwnSession) {
  const a = own.activity;
  return {
    ...sessionBase(own.session),
    latest_activity: {
      object: 'session_activity',
      id: a.id,
      is_mobile: a.isMobile,
      ...(a.deviceType ? { device_type: a.deviceType } : {}),
      ...(a.browserName ? { browser_name: a.browserName } : {}),
      ...(a.browserVersion ? { browser_version: a.browserVersion } : {}),
      ...(a.ipAddress ? { ip_address: a.ipAddress } : {}),
    },
  };
}

/** Clerk names a verification's object after its kind; codes of every strategy are `verification_otp`. */
const VERIFICATION_OBJECTS: Readonly<Record<string, string>> = {
  password: 'verification_password',
  email_link: 'verification_email_link',
  ticket: 'verification_ticket',
  totp: 'verification_totp',
  passkey: 'verification_passkey',
  backup_code: 'verification_backup_code',
};

function verificationObject(strategy: string): string {
  if (strategy.startsWith('oauth_')) return 'verification_oauth';
  if (strategy.startsWith('from_oauth_')) return 'verification_from_oauth';
  return VERIFICATION_OBJECTS[strategy] ?? 'verification_otp';
}

export function serializeVerification(v: Verification | null) {
  if (!v) return null;
  const oauth = v.strategy.startsWith('oauth_');
  return {
    object: verificationObject(v.strategy),
    status: v.status,
    strategy: v.strategy,
    attempts: oauth ? null : v.attempts,
    // Clerk's OAuth verifications always carry a time: one settled by a transfer has no deadline, only its moment.
    expire_at: oauth ? (v.expireAt ?? v.verifiedAt ?? 0) : v.expireAt,
    ...(v.nonce ? { nonce: v.nonce } : {}),
    ...(oauth ? { external_verification_redirect_url: v.externalVerificationRedirectUrl ?? null, ...(v.errorCode ? { error: verificationErrorJson(v.errorCode) } : {}) } : {}),
  };
}

export function serializeSignIn(signIn: SignIn) {
  return {
    object: 'sign_in_attempt',
    id: signIn.id,
    status: signIn.status,
    supported_identifiers: ['email_address'],
    supported_first_factors: signIn.supportedFirstFactors.map((f) => ({
      strategy: f.strategy,
      ...(f.safeIdentifier !== undefined ? { safe_identifier: f.safeIdentifier } : {}),
      ...(f.emailAddressId !== undefined ? { email_address_id: f.emailAddressId } : {}),
      ...(f.primary !== undefined ? { primary: f.primary } : {}),
    })),
    supported_second_factors: signIn.supportedSecondFactors?.map((f) => ({ strategy: f.strategy })) ?? null,
    first_factor_verification: serializeVerification(signIn.firstFactorVerification),
    second_factor_verification: serializeVerification(signIn.secondFactorVerification),
    identifier: signIn.identifier,
    user_data: signIn.userData
      ? { first_name: signIn.userData.firstName, last_name: signIn.userData.lastName, image_url: signIn.userData.imageUrl, has_image: signIn.userData.hasImage }
      : null,
    created_session_id: signIn.createdSessionId,
    abandon_at: signIn.abandonAt,
  };
}

export function serializeSignUp(signUp: SignUp) {
  const v = signUp.emailVerification;
  return {
    object: 'sign_up_attempt',
    id: signUp.id,
    status: signUp.status,
    required_fields: signUp.requiredFields,
    optional_fields: signUp.optionalFields,
    missing_fields: signUp.missingFields,
    unverified_fields: signUp.unverifiedFields,
    verifications: {
      email_address: v
        ? {
            object: verificationObject(v.strategy),
            status: v.status,
            strategy: v.strategy,
            attempts: v.attempts,
            expire_at: v.expireAt ?? 0,
            next_action: v.status === 'unverified' ? 'needs_attempt' : '',
            supported_strategies: signUp.emailVerificationStrategies,
          }
        : null,
      phone_number: null,
      web3_wallet: null,
      external_account: serializeVerification(signUp.externalVerification),
    },
    username: signUp.username,
    email_address: signUp.emailAddress,
    phone_number: signUp.phoneNumber,
    web3_wallet: null,
    password_enabled: signUp.passwordEnabled,
    first_name: signUp.firstName,
    last_name: signUp.lastName,
    unsafe_metadata: signUp.unsafeMetadata,
    public_metadata: {},
    custom_action: false,
    external_id: null,
    created_session_id: signUp.createdSessionId,
    created_user_id: signUp.createdUserId,
    abandon_at: signUp.abandonAt,
    legal_accepted_at: signUp.legalAcceptedAt,
  };
}

export function serializeFapiClient(client: BrowserClient) {
  return {
    object: 'client',
    id: client.id,
    sessions: client.sessions.map(serializeFapiSession),
    sign_in: client.signIn ? serializeSignIn(client.signIn) : null,
    sign_up: client.signUp ? serializeSignUp(client.signUp) : null,
    last_active_session_id: client.lastActiveSessionId,
    last_authentication_strategy: null,
    cookie_expires_at: client.cookieExpiresAt,
    captcha_bypass: false,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  };
}

/** Clerk's `session_reverification`: the step-up in progress, with the session it is for. */
export function serializeSessionReverification(r: SessionReverification, session: BrowserSession) {
  return {
    object: 'session_reverification',
    level: r.level,
    status: r.status,
    supported_first_factors: r.supportedFirstFactors.map((f) => ({
      strategy: f.strategy,
      ...(f.safeIdentifier !== undefined ? { safe_identifier: f.safeIdentifier } : {}),
      ...(f.emailAddressId !== undefined ? { email_address_id: f.emailAddressId } : {}),
      ...(f.primary !== undefined ? { primary: f.primary } : {}),
    })),
    supported_second_factors: r.supportedSecondFactors?.map((f) => ({ strategy: f.strategy })) ?? null,
    first_factor_verification: serializeVerification(r.firstFactorVerification),
    second_factor_verification: serializeVerification(r.secondFactorVerification),
    session: serializeFapiSession(session),
  };
}
