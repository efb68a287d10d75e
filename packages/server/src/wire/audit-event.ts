import type { AuditEvent } from '../domain/audit/audit-events.js';
import type { McpToolCallRecord } from '../domain/audit/mcp-tool-calls.js';
import type { AuditedSecretKey } from '../domain/keys/secret-keys.js';
import type { TokenDenial } from '../domain/sessions/session-token.js';
import type { SignInAttemptRecord } from '../domain/sign-ins/sign-in.js';

export function serializeAuditEvent(event: AuditEvent) {
  return {
    object: 'audit_event',
    id: event.id,
    type: event.type,
    actor: { type: event.actor.type, id: event.actor.id, detail: event.actor.detail },
    ip: event.ip,
    user_agent: event.userAgent,
    subject: { user_id: event.subjectUserId, organization_id: event.subjectOrganizationId },
    data: event.data,
    diff: event.diff,
    created_at: event.createdAt,
  };
}

/** The payload of a security event about a user (`password.changed`, `user.locked`, …): who, nothing more. */
export function serializeSecurityEvent(userId: string) {
  return { user_id: userId };
}

/** A user's account at a provider linked or unlinked: who, which provider, which account there. */
export interface ExternalAccountChange {
  userId: string;
  provider: string;
  externalAccountId: string;
  providerUserId: string;
}

export function serializeExternalAccountChange(c: ExternalAccountChange) {
  return { user_id: c.userId, provider: c.provider, external_account_id: c.externalAccountId, provider_user_id: c.providerUserId };
}

/** `session.token_denied`: a refresh refused for a session that is no longer active, or a banned user. */
export function serializeTokenDenial(denial: TokenDenial) {
  return { object: 'session_token_denial', session_id: denial.sessionId, user_id: denial.userId, status: denial.status, user_banned: denial.userBanned };
}

/** `sign_in.completed` / `sign_in.failed`: one attempt at a factor, by whom, with what outcome (never the secret tried). */
export function serializeSignInAttempt(attempt: SignInAttemptRecord) {
  return {
    object: 'sign_in_attempt_outcome',
    sign_in_id: attempt.signInId,
    user_id: attempt.userId,
    strategy: attempt.strategy,
    ...(attempt.sessionId ? { session_id: attempt.sessionId } : {}),
    ...(attempt.error ? { error: attempt.error } : {}),
  };
}

/** What the audit log keeps about a secret key: never the key or its hash. */
export function serializeAuditedSecretKey(key: AuditedSecretKey) {
  return {
    object: 'secret_key',
    id: key.id,
    name: key.name,
    hint: key.hint,
    created_at: key.createdAt,
    ...(key.revokedAt !== null ? { revoked_at: key.revokedAt } : {}),
  };
}

export function serializeMcpToolCall(call: McpToolCallRecord) {
  return { tool: call.tool, method: call.method, path: call.path, status: call.status };
}
