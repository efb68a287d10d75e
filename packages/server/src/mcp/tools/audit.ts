import { z } from 'zod';
import { apiQuery, defineTool, limit, stringList, timestamp, type GatehouseTool } from '../tool.js';

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
