import { serializeAuditedSecretKey, serializeMcpToolCall, serializeSecurityEvent, serializeSignInAttempt, serializeTokenDenial } from '../../wire/audit-event.js';
import type { SignInAttemptRecord } from '../sign-ins/sign-in.js';
import type { McpToolCallRecord } from '../audit/mcp-tool-calls.js';
import type { AuditedSecretKey } from '../keys/secret-keys.js';
import type { TokenDenial } from '../sessions/session-token.js';
import type { AcceptedOrganizationInvitation } from '../organizations/organization-invitations.js';
import { serializeAcceptedOrganizationInvitation, serializeMembership, serializeOrganization, serializeOrganizationInvitation, serializePermission, serializeRole } from '../../wire/organization.js';
import { serializeInvitation } from '../../wire/invitation.js';
import { serializeSession } from '../../wire/session.js';
import { serializeUser } from '../../wire/user.js';
import { serializeOAuthProvider } from '../../wire/oauth-provider.js';
import type { OAuthProvider } from '../oauth/providers.js';
import { serializeExternalAccountChange, type ExternalAccountChange } from '../../wire/audit-event.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { serializeWebhookEndpoint } from '../../wire/webhook-endpoint.js';
import { serializeEmail } from '../../wire/email.js';
import { serializeOrganizationDomain } from '../../wire/organization-domain.js';
import { serializeMembershipRequest } from '../../wire/membership-request.js';
import type { MembershipRequest } from '../organizations/domain-enrollment.js';
import type { OrganizationDomain } from '../organizations/domains.js';
import type { QueuedEmail } from '../email/outbox.js';
import type { Invitation, Organization, OrganizationInvitation, OrganizationMembership, Permission, Role } from '../organizations/types.js';
import type { Session } from '../sessions/sessions.js';
import type { DeletedObject } from '../deleted-object.js';
import type { User } from '../users/user.js';
import type { WebhookEndpoint } from '../webhooks/endpoints.js';

/** A session event carries the session and, when it still exists, its user. */
export interface SessionEventSubject {
  session: Session;
  user: User | undefined;
}

const user = (u: User) => serializeUser(u);
const deleted = (d: DeletedObject) => serializeDeleted(d);
const userSecurity = (userId: string) => serializeSecurityEvent(userId);
const session = ({ session: s, user: u }: SessionEventSubject) => ({ ...serializeSession(s), ...(u ? { user: serializeUser(u) } : {}) });
const organization = (o: Organization) => serializeOrganization(o);
const organizationDomain = (d: OrganizationDomain) => serializeOrganizationDomain(d);
const membershipRequest = (r: MembershipRequest) => serializeMembershipRequest(r);
const membership = (m: OrganizationMembership) => serializeMembership(m);
const organizationInvitation = (i: OrganizationInvitation) => serializeOrganizationInvitation(i);
const invitation = (i: Invitation) => serializeInvitation(i);
const role = (r: Role) => serializeRole(r);
const permission = (p: Permission) => serializePermission(p);
const secretKey = (k: AuditedSecretKey) => serializeAuditedSecretKey(k);
const webhookEndpoint = (e: WebhookEndpoint) => serializeWebhookEndpoint(e);

/**
 * Every event the log records, and how its payload is built from the domain object it is about:
 * Clerk's webhook shape for Clerk's types, the Backend API's shape for Gatehouse's own. This is
 * the only domain module that touches `wire/`, so a misspelled type, or a payload built from the
 * wrong object, fails to compile.
 */
const EVENT_PAYLOADS = {
  'user.created': user,
  'user.updated': user,
  'user.deleted': deleted,
  'password.changed': userSecurity,
  'password.removed': userSecurity,
  'user.locked': userSecurity,
  'user.unlocked': userSecurity,
  'user.banned': userSecurity,
  'user.unbanned': userSecurity,
  'user.totp_enabled': userSecurity,
  'user.totp_disabled': userSecurity,
  'user.backup_codes_generated': userSecurity,
  'user.backup_codes_removed': userSecurity,
  'user.passkey_registered': userSecurity,
  'user.passkey_removed': userSecurity,
  'user.external_account_linked': (c: ExternalAccountChange) => serializeExternalAccountChange(c),
  'user.external_account_unlinked': (c: ExternalAccountChange) => serializeExternalAccountChange(c),
  'session.created': session,
  'session.ended': session,
  'session.removed': session,
  'session.revoked': session,
  'session.token_denied': (d: TokenDenial) => serializeTokenDenial(d),
  'sign_in.completed': (a: SignInAttemptRecord) => serializeSignInAttempt(a),
  'sign_in.failed': (a: SignInAttemptRecord) => serializeSignInAttempt(a),
  'email.created': (e: QueuedEmail) => serializeEmail(e),
  'organization.created': organization,
  'organization.updated': organization,
  'organization.deleted': deleted,
  'organizationDomain.created': organizationDomain,
  'organizationDomain.updated': organizationDomain,
  'organizationDomain.deleted': deleted,
  'organizationMembership.created': membership,
  'organizationMembership.updated': membership,
  'organizationMembership.deleted': membership,
  'organizationMembershipRequest.created': membershipRequest,
  'organizationMembershipRequest.accepted': membershipRequest,
  'organizationMembershipRequest.rejected': membershipRequest,
  'organizationInvitation.created': organizationInvitation,
  'organizationInvitation.accepted': (a: AcceptedOrganizationInvitation) => serializeAcceptedOrganizationInvitation(a),
  'organizationInvitation.revoked': organizationInvitation,
  'invitation.created': invitation,
  'invitation.accepted': invitation,
  'invitation.revoked': invitation,
  'role.created': role,
  'role.updated': role,
  'role.deleted': deleted,
  'permission.created': permission,
  'permission.updated': permission,
  'permission.deleted': deleted,
  'secret_key.created': secretKey,
  'secret_key.revoked': secretKey,
  'webhook_endpoint.created': webhookEndpoint,
  'webhook_endpoint.updated': webhookEndpoint,
  'webhook_endpoint.deleted': webhookEndpoint,
  'webhook_endpoint.secret_rotated': webhookEndpoint,
  'webhook_endpoint.disabled': webhookEndpoint,
  'oauth_provider.created': (p: OAuthProvider) => serializeOAuthProvider(p),
  'oauth_provider.updated': (p: OAuthProvider) => serializeOAuthProvider(p),
  'oauth_provider.deleted': (p: OAuthProvider) => serializeOAuthProvider(p),
  'mcp.tool_called': (c: McpToolCallRecord) => serializeMcpToolCall(c),
} as const;

type Payloads = typeof EVENT_PAYLOADS;

export type EventType = keyof Payloads;
/** The domain object an event of type `T` is about. */
export type EventSubject<T extends EventType> = Parameters<Payloads[T]>[0];
/** The payload an event of type `T` stores and delivers. */
export type EventData<T extends EventType> = ReturnType<Payloads[T]>;

export const EVENT_TYPES = Object.keys(EVENT_PAYLOADS) as EventType[];

/** The payload of an event of type `type` about `subject`. */
export function eventData<T extends EventType>(type: T, subject: EventSubject<T>): EventData<T> {
  const build = EVENT_PAYLOADS[type] as (subject: EventSubject<T>) => EventData<T>;
  return build(subject);
}
