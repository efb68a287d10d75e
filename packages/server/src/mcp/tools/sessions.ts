import { z } from 'zod';
import { apiQuery, defineTool, id, limit, offset, seg, stringList, type GatehouseTool } from '../tool.js';

const SESSION_STATUSES = ['active', 'revoked', 'ended', 'expired', 'removed', 'abandoned', 'replaced', 'pending'] as const;
const timestamp = (what: string) => z.number().int().min(0).describe(`${what} (Unix time in milliseconds).`);

export const sessionTools: GatehouseTool[] = [
  defineTool({
    name: 'getSessionList',
    title: 'List sessions',
    description: 'Lists sessions, newest first, for a user or a client (browser). Returns {data, total_count}. Filter by status to find the live ones (active).',
    access: 'read',
    input: {
      userId: z.string().min(1).max(128).describe('Only this user’s sessions.').optional(),
      clientId: z.string().min(1).max(128).describe('Only this client’s sessions.').optional(),
      status: z.enum(SESSION_STATUSES).describe('Only sessions in this status.').optional(),
      limit: limit(500, 10).optional(),
      offset: offset.optional(),
    },
    run: (args, api) => api({ method: 'GET', path: '/sessions', query: { ...apiQuery(args), paginated: true } }),
  }),
  defineTool({
    name: 'revokeSession',
    title: 'Revoke a session',
    description: 'Revokes a session: it signs out at once and no new token is minted for it. Tokens already issued expire within their short lifetime.',
    access: 'destructive',
    input: { sessionId: id('session') },
    run: (args, api) => api({ method: 'POST', path: `/sessions/${seg(args.sessionId)}/revoke` }),
  }),
];

export const auditTools: GatehouseTool[] = [
  defineTool({
    name: 'getAuditEvents',
    title: 'Read the audit log',
    description:
      'Reads the audit log, newest first: who did what (actor: secret key, user or system, with detail such as the MCP client), from which IP, ' +
      'with a before/after diff for updates. Filter by subject user or organization, actor, event type (user.updated, signin.failed, …) or time. ' +
      'Returns {data, has_more, next_cursor}; pass next_cursor as startingAfter for the next page.',
    access: 'read',
    input: {
      userId: z.string().max(128).describe('Events about this user.').optional(),
      organizationId: z.string().max(128).describe('Events about this organization.').optional(),
      actorId: z.string().max(128).describe('Events caused by this actor (a secret key ID or a user ID).').optional(),
      type: stringList('Only these event types.').optional(),
      createdAtAfter: timestamp('Only events after').optional(),
      createdAtBefore: timestamp('Only events before').optional(),
      startingAfter: z.string().max(128).describe('Cursor: the next_cursor of the previous page.').optional(),
      limit: limit(500, 50).optional(),
    },
    run: (args, api) => api({ method: 'GET', path: '/audit_events', query: apiQuery(args) }),
  }),
];
