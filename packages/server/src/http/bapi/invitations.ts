import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  createInvitation,
  createInvitations,
  INVITATION_ORDER_FIELDS,
  listInvitations,
  revokeInvitation,
  type CreateInvitationInput,
  type InvitationOrderField,
} from '../../domain/invitations/invitations.js';
import { normalizeQuery, parseInput, queryBoolean, queryInteger, queryList, queryString } from '../validation.js';
import { serializeInvitation } from '../../wire/invitation.js';
import { camelKeys } from '../../wire/requests/fields.js';
import { CREATE_INVITATION_FIELDS } from '../../wire/requests/invitation-body.js';

/**
 * A bulk request body: a bare JSON array, each element validated on its own afterwards so errors
 * name the parameter. Clerk caps it at 10; Gatehouse allows up to 100 in one transaction.
 */
export const BULK_MAX_ITEMS = 100;
export const bulkBody = z.array(z.unknown()).min(1, 'must contain at least one invitation').max(BULK_MAX_ITEMS, `accepts at most ${BULK_MAX_ITEMS} invitations`);

const createBody = z.object(CREATE_INVITATION_FIELDS).transform(camelKeys) satisfies z.ZodType<CreateInvitationInput>;

const orderBy = queryString.pipe(
  z
    .string()
    .regex(new RegExp(`^[+-]?(${INVITATION_ORDER_FIELDS.join('|')})$`), `must be one of ${INVITATION_ORDER_FIELDS.join(', ')}, optionally prefixed with + or -`)
    .transform((v) => ({
      field: v.replace(/^[+-]/, '') as InvitationOrderField,
      direction: v.startsWith('-') ? ('desc' as const) : ('asc' as const),
    })),
);

const listQuery = z.object({
  status: queryList.pipe(z.array(z.enum(['pending', 'accepted', 'revoked', 'expired']))).optional(),
  query: queryString.optional(),
  order_by: orderBy.optional(),
  paginated: queryBoolean.optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
});

const invitationParams = z.object({ invitation_id: z.string().min(1).max(128) });

export function registerInvitationRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.post('/invitations', async (request) => {
    const b = parseInput(createBody, request.body);
    return serializeInvitation(await createInvitation(ctx, b));
  });

  app.post('/invitations/bulk', async (request) => {
    const items = parseInput(bulkBody, request.body).map((item) => parseInput(createBody, item));
    return (await createInvitations(ctx, items)).map(serializeInvitation);
  });

  // Clerk's envelope depends on `paginated`: `{data, total_count}` when true (the SDK always asks
  // for it), otherwise a bare array.
  app.get('/invitations', async (request) => {
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const page = await listInvitations(ctx, {
      ...(q.status ? { statuses: q.status } : {}),
      ...(q.query !== undefined ? { query: q.query } : {}),
      orderBy: q.order_by ?? { field: 'created_at', direction: 'desc' },
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
    });
    const data = page.items.map(serializeInvitation);
    return q.paginated ? { data, total_count: page.totalCount } : data;
  });

  app.post('/invitations/:invitation_id/revoke', async (request) => {
    const { invitation_id } = parseInput(invitationParams, request.params);
    return serializeInvitation(await revokeInvitation(ctx, invitation_id));
  });
}
