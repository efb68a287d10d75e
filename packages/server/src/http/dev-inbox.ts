import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../domain/context.js';
import { listDevInbox, type InboxMessage } from '../domain/email/dev-inbox.js';
import { escapeHtml } from '../domain/email/templates.js';
import { serializeInboxMessage } from '../wire/email.js';
import { parseInput, queryInteger } from './validation.js';

const pageQuery = z.object({ limit: queryInteger(1, 500).optional(), offset: queryInteger(0, 1_000_000_000).optional() });

/**
 * The development inbox: what would have been emailed had an SMTP server been configured. No
 * secret key is asked for (it is for the developer's browser), so it is registered only when
 * `ctx.email.devInbox` says the server is local or the operator turned it on; otherwise these
 * paths are unknown (404) like any other. The domain refuses too, should it ever be mounted.
 *
 * - `GET /dev/inbox`: `{data: [{id, to, subject, text, html, kind, created_at}], total_count}`, newest first.
 * - `GET /dev/inbox/page`: the same as a plain HTML page.
 */
export function registerDevInboxRoutes(app: FastifyInstance, ctx: DomainContext): void {
  if (!ctx.email.devInbox) return;

  app.get('/dev/inbox', async (request) => {
    const q = parseInput(pageQuery, request.query);
    const { items, totalCount } = await listDevInbox(ctx, { limit: q.limit ?? 50, offset: q.offset ?? 0 });
    return { data: items.map(serializeInboxMessage), total_count: totalCount };
  });

  app.get('/dev/inbox/page', async (_request, reply) => {
    const { items, totalCount } = await listDevInbox(ctx, { limit: 50, offset: 0 });
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      // Nothing in the page runs or loads: even a message that slipped past escaping stays text.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
      .header('referrer-policy', 'no-referrer')
      .send(inboxPage(items, totalCount));
  });
}

/** The text escaped, with its http(s) addresses as links (magic links, invitations). */
function textWithLinks(text: string): string {
  // Matched on the escaped text: an address stops at a space or quote, so it cannot leave the attribute.
  return escapeHtml(text).replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}" rel="noreferrer">${url}</a>`);
}

function inboxPage(items: readonly InboxMessage[], total: number): string {
  const messages = items
    .map(
      (m) => `<article>
<h2>${escapeHtml(m.subject)}</h2>
<p class="meta">To <strong>${escapeHtml(m.to)}</strong> · ${escapeHtml(m.kind)} · <time datetime="${escapeHtml(new Date(m.createdAt).toISOString())}">${escapeHtml(new Date(m.createdAt).toISOString())}</time> · <code>${escapeHtml(m.id)}</code></p>
<pre>${textWithLinks(m.text)}</pre>
</article>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development inbox · Gatehouse</title>
<style>
body{margin:0 auto;max-width:760px;padding:24px;font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a}
article{border-top:1px solid #ccc;padding:8px 0}
h2{font-size:18px;margin:8px 0 0}
.meta{color:#4a4a4a;font-size:14px;margin:4px 0}
pre{white-space:pre-wrap;word-break:break-word;background:#f4f4f4;padding:12px;border-radius:4px}
</style>
</head>
<body>
<main>
<h1>Development inbox</h1>
<p>No SMTP server is configured (<code>GATEHOUSE_SMTP_URL</code>), so email is delivered here instead. ${total === 0 ? 'Nothing yet.' : `Newest first; ${items.length} of ${total} shown.`} <a href="">Refresh</a> · <a href="/dev/inbox">JSON</a></p>
${messages}
</main>
</body>
</html>
`;
}
