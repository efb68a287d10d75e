import { newId } from '../../crypto/ids.js';
import type { Executor } from '../../store/db.js';
import { insertEmail } from '../../store/repositories/email-outbox-repository.js';
import type { EmailKind } from '../../store/schema.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';

export type { EmailKind } from '../../store/schema.js';

/** Written as a record so a kind added to the store's type must be added here too. */
const KINDS: Readonly<Record<EmailKind, true>> = { verification_code: true, verification_link: true, magic_link: true, password_reset_code: true, invitation: true, sign_in_no_account: true, sign_up_account_exists: true };

export const EMAIL_KINDS = Object.keys(KINDS) as readonly EmailKind[];

/** An email to send, as `templates.ts` renders it plus who it goes to and why. */
export interface OutgoingEmail {
  to: string;
  /**
   * Never the code or the link: the subject stays in the outbox after sending and is recorded in
   * the event log (the templates keep secrets to the bodies).
   */
  subject: string;
  text: string;
  html: string;
  kind: EmailKind;
  /** The user it is about, when there is one (a sign-up's first code has none yet). */
  userId?: string | null;
}

/** A queued email as the event log sees it: everything but the bodies, which carry the secrets. */
export interface QueuedEmail {
  id: string;
  to: string;
  subject: string;
  kind: EmailKind;
  userId: string | null;
  createdAt: number;
}

const CONTROL = /\p{Cc}/u;

/** A single addr-spec: one `@`, no spaces, controls or angle brackets (what identifications already enforce). */
function isPlainAddress(value: string): boolean {
  if (value.length > 320 || CONTROL.test(value) || /[\s<>,;"]/.test(value)) return false;
  const at = value.lastIndexOf('@');
  return at > 0 && at < value.length - 1 && value.indexOf('@') === at;
}

/**
 * Queues an email in the caller's transaction: it is sent once that transaction commits and
 * never if it rolls back, so nothing acknowledged to a user is lost and nothing rolled back goes
 * out. The mail dispatcher delivers it (SMTP, or the development inbox) and retries until the
 * server accepts it. Records `email.created` in the same transaction, without the bodies.
 * Returns the email's `ema_…` id.
 */
export async function queueEmail(db: Executor, message: OutgoingEmail, now: number): Promise<string> {
  const to = message.to.trim();
  // Callers pass verified identifications; anything else is a bug, not a user error.
  if (!isPlainAddress(to)) throw new Error('queueEmail: `to` must be a single email address');
  if (!Object.hasOwn(KINDS, message.kind)) throw new Error(`queueEmail: unknown kind ${String(message.kind)}`);
  // One header line: a newline would start a header of its own.
  const subject = message.subject.replace(/\p{Cc}+/gu, ' ').trim();
  const id = newId('ema', now);
  const userId = message.userId ?? null;
  await insertEmail(db, {
    id,
    to_address: to,
    from_address: null,
    subject,
    text_body: message.text,
    html_body: message.html,
    kind: message.kind,
    user_id: userId,
    status: 'pending',
    transport: null,
    attempts: 0,
    next_attempt_at: now,
    locked_until: null,
    last_error: null,
    created_at: now,
    sent_at: null,
  });
  const queued: QueuedEmail = { id, to, subject, kind: message.kind, userId, createdAt: now };
  await appendEvent(db, { type: 'email.created', data: eventData('email.created', queued), subjectUserId: userId }, now);
  return id;
}
