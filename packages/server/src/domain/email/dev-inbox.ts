import { notFound } from '../../errors.js';
import { listInboxRows } from '../../store/repositories/email-outbox-repository.js';
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
  kind: EmailKind;
  createdAt: number;
}

/**
 * The development inbox, newest first: what would have been emailed had an SMTP server been
 * configured, sign-in codes included. Not found unless the instance serves the inbox
 * (`ctx.email.devInbox`), whoever asks.
 */
export async function listDevInbox(ctx: DomainContext, page: { limit: number; offset: number }): Promise<Page<InboxMessage>> {
  if (!ctx.email.devInbox) throw notFound();
  const { rows, total } = await listInboxRows(ctx.store.db, page);
  return {
    totalCount: total,
    items: rows.map((r) => ({
      id: r.id,
      to: r.to_address,
      subject: r.subject,
      text: r.text_body ?? '',
      html: r.html_body ?? '',
      kind: r.kind,
      createdAt: r.created_at,
    })),
  };
}
