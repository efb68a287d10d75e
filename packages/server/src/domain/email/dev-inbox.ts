import { notFound } from '../../errors.js';
import { listInboxRows } from '../../store/repositories/email-outbox-repository.js';
import { listSmsRows } from '../../store/repositories/sms-outbox-repository.js';
import type { DomainContext } from '../context.js';
import type { Page } from '../page.js';
import type { EmailKind } from './outbox.js';

/** A message delivered to the development inbox, bodies and all. */
export interface InboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** An email's kind, or `verification_sms` for a text message (sent to a phone number, no subject or HTML). */
  kind: EmailKind | 'verification_sms';
  createdAt: number;
}

/**
 * The development inbox, newest first: what would have been emailed had an SMTP server been
 * configured, and every text message (there is no SMS provider yet), sign-in codes included. Not
 * found unless the instance serves the inbox (`ctx.email.devInbox`), whoever asks.
 */
export async function listDevInbox(ctx: DomainContext, page: { limit: number; offset: number }): Promise<Page<InboxMessage>> {
  if (!ctx.email.devInbox) throw notFound();
  // Both sources' newest `offset + limit`, merged: a developer's inbox is small.
  const upTo = { limit: page.offset + page.limit, offset: 0 };
  const [emails, texts] = await Promise.all([listInboxRows(ctx.store.db, upTo), listSmsRows(ctx.store.db, upTo)]);
  const messages: InboxMessage[] = [
    ...emails.rows.map((r) => ({ id: r.id, to: r.to_address, subject: r.subject, text: r.text_body ?? '', html: r.html_body ?? '', kind: r.kind, createdAt: r.created_at })),
    ...texts.rows.map((r) => ({ id: r.id, to: r.to_phone_number, subject: 'Text message', text: r.body, html: '', kind: 'verification_sms' as const, createdAt: r.created_at })),
  ];
  messages.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  return { totalCount: emails.total + texts.total, items: messages.slice(page.offset, page.offset + page.limit) };
}
