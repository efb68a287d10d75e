import { z } from 'zod';
import { apiQuery, defineTool, id, limit, offset, seg, type GatehouseTool } from '../tool.js';

const SESSION_STATUSES = ['active', 'revoked', 'ended', 'expired', 'removed', 'abandoned', 'replaced', 'pending'] as const;

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
