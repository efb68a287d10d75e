import type { InboxMessage } from '../domain/email/dev-inbox.js';
import type { QueuedEmail } from '../domain/email/outbox.js';

/**
 * Clerk's `email.created` payload (EmailEventPayload). A queued email carries no bodies, so the
 * code or link it sends cannot reach the event log or a webhook: `body` is a fixed marker
 * (Clerk's SDK types it as a string) and `body_plain` and `data` (Clerk's template variables,
 * the code among them) stay empty. The sender is chosen at delivery, so `from_email_name` is
 * empty too.
 */
export function serializeEmail(email: QueuedEmail) {
  return {
    object: 'email',
    id: email.id,
    slug: email.kind,
    from_email_name: '',
    reply_to_email_name: null,
    to_email_address: email.to,
    email_address_id: null,
    user_id: email.userId,
    subject: email.subject,
    body: '[redacted]',
    body_plain: null,
    status: 'queued',
    data: {},
    delivered_by_clerk: true,
  };
}

/** A development inbox entry (Gatehouse's own shape). */
export function serializeInboxMessage(message: InboxMessage) {
  return {
    object: 'dev_inbox_message',
    id: message.id,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    kind: message.kind,
    created_at: message.createdAt,
  };
}
