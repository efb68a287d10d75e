import type { FastifyInstance } from 'fastify';
import { recordMcpToolCall } from '../../domain/audit/mcp-tool-calls.js';
import type { DomainContext } from '../../domain/context.js';

/**
 * The MCP server marks the first Backend API request of each tool call with `Gatehouse-Mcp-Tool`;
 * once the reply's status is known, the call goes to the audit log.
 */
export function recordMcpToolCalls(app: FastifyInstance, ctx: DomainContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const tool = request.headers['gatehouse-mcp-tool'];
    if (typeof tool !== 'string' || !request.principal) return payload;
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    await recordMcpToolCall(ctx, {
      tool,
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      status: reply.statusCode,
      userId: params.user_id,
      organizationId: params.organization_id,
    });
    return payload;
  });
}
