import type { FastifyInstance } from 'fastify';
import type { DomainContext } from '../../domain/context.js';
import { appendEvent } from '../../domain/events/append-event.js';

/**
 * Every MCP tool call lands in the audit log, reads included: an agent reading users is access to
 * personal data an operator may have to account for. The MCP server marks the first Backend API
 * request of each call with `Gatehouse-Mcp-Tool`; writes also carry the client in their own events.
 */
export function recordMcpToolCalls(app: FastifyInstance, ctx: DomainContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const header = request.headers['gatehouse-mcp-tool'];
    if (typeof header !== 'string' || !request.principal) return payload;
    const tool = header.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64);
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    await appendEvent(
      ctx.store.db,
      {
        type: 'mcp.tool_called',
        data: { tool, method: request.method, path: request.url.split('?')[0], status: reply.statusCode },
        subjectUserId: params.user_id ?? null,
        subjectOrganizationId: params.organization_id ?? null,
      },
      ctx.now(),
    );
    return payload;
  });
}
