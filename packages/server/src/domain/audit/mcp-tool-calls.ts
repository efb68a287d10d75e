import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';

/** What the audit log keeps of a tool call. */
export interface McpToolCallRecord {
  tool: string;
  method: string;
  path: string;
  status: number;
}

export interface McpToolCall {
  tool: string;
  method: string;
  /** Without the query string, which may carry search terms. */
  path: string;
  status: number;
  userId?: string | undefined;
  organizationId?: string | undefined;
}

/**
 * Every MCP tool call lands in the audit log, reads included: an agent reading users is access to
 * personal data an operator may have to account for. Writes also carry the client (as actor
 * detail) in the events of the changes they make.
 */
export async function recordMcpToolCall(ctx: DomainContext, call: McpToolCall): Promise<void> {
  const tool = call.tool.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64);
  await appendEvent(
    ctx.store.db,
    {
      type: 'mcp.tool_called',
      data: eventData('mcp.tool_called', { tool, method: call.method, path: call.path, status: call.status }),
      subjectUserId: call.userId ?? null,
      subjectOrganizationId: call.organizationId ?? null,
    },
    ctx.now(),
  );
}
