import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { GATEHOUSE_VERSION } from '../version.js';
import type { BackendApi, CallAttribution } from './backend-api.js';
import { withoutPrivateMetadata } from './private-metadata.js';
import type { CallApi, GatehouseTool } from './tool.js';
import { invitationTools } from './tools/invitations.js';
import { organizationTools } from './tools/organizations.js';
import { auditTools } from './tools/audit.js';
import { sessionTools } from './tools/sessions.js';
import { userTools } from './tools/users.js';

export const GATEHOUSE_TOOLS: readonly GatehouseTool[] = [...userTools, ...organizationTools, ...invitationTools, ...sessionTools, ...auditTools];

export interface McpServerOptions {
  /** Expose only tools that change nothing. */
  readOnly: boolean;
  /** Show `private_metadata` in results (it is always writable). */
  allowPrivateMetadata: boolean;
}

const INSTRUCTIONS =
  'Tools for managing the users, organizations, memberships, invitations and sessions of a Gatehouse identity server ' +
  '(Clerk-compatible Backend API). Results are the Backend API’s JSON (snake_case, timestamps in Unix milliseconds). ' +
  'Find users with getUserList (emailAddress, query) before changing them; prefer the update…Metadata tools, which merge, over ' +
  'updateUser metadata arguments, which replace. Destructive tools (delete…, ban…, revoke…) cut access at once and deletions cannot be undone: confirm the target first. ' +
  'Every call is recorded in the audit log under this client’s name.';

function annotationsFor(tool: GatehouseTool): ToolAnnotations {
  const base: ToolAnnotations = { title: tool.title, openWorldHint: false };
  if (tool.access === 'read') return { ...base, readOnlyHint: true };
  return { ...base, readOnlyHint: false, destructiveHint: tool.access === 'destructive' };
}

/** The MCP client as the audit log names it: `mcp:<name>/<version>` from its initialize request. */
function actorDetailOf(server: McpServer): string {
  const client = server.server.getClientVersion();
  if (!client) return 'mcp:unknown';
  return `mcp:${client.name}${client.version ? `/${client.version}` : ''}`;
}

/** One MCP server (one client connection) whose tools call the Backend API through `api`. */
export function createMcpServer(api: BackendApi, options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'gatehouse', title: 'Gatehouse', version: GATEHOUSE_VERSION }, { instructions: INSTRUCTIONS });
  for (const tool of GATEHOUSE_TOOLS) {
    if (options.readOnly && tool.access !== 'read') continue;
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: annotationsFor(tool) },
      async (args: Record<string, unknown>) => {
        let first = true;
        const actorDetail = actorDetailOf(server);
        const callApi: CallApi = (request) => {
          const attribution: CallAttribution = first ? { actorDetail, tool: tool.name } : { actorDetail };
          first = false;
          return api.call(request, attribution);
        };
        const result = await tool.run(args, callApi);
        const shown = options.allowPrivateMetadata ? result : withoutPrivateMetadata(result);
        return { content: [{ type: 'text' as const, text: JSON.stringify(shown ?? null, null, 2) }] };
      },
    );
  }
  return server;
}
