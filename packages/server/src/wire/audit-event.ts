import type { AuditEvent } from '../domain/audit/audit-events.js';

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
