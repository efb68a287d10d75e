import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { MAX_EXPIRES_IN_DAYS } from '../../domain/invitations/invitation-tickets.js';
import {
  createInvitation,
  createInvitations,
  INVITATION_ORDER_FIELDS,
  listInvitations,
  revokeInvitation,
  type CreateInvitationInput,
  type InvitationOrderField,
} from '../../domain/invitations/invitations.js';
import { metadataObject, normalizeQuery, parseInput, queryBoolean, queryInteger, queryList, queryString } from '../validation.js';
import { serializeInvitation } from '../../wire/invitation.js';

/**
 * A bulk request body: a bare JSON array, each element validated on its own afterwards so errors
 * name the parameter. Clerk caps it at 10; Gatehouse allows up to 100 in one transaction.
 */
export const BULK_MAX_ITEMS = 100;
export const bulkBody = z.array(z.unknown()).min(1, 'must contain at least one invitation').max(BULK_MAX_ITEMS, `accepts at most ${BULK_MAX_ITEMS} invitations`);

const createBody = z.object({
  email_address: z.string().max(320),
  public_metadata: metadataObject.nullish(),
  redirect_url: z.string().max(4096).nullish(),
  notify: z.boolean().nullish(),
  ignore_existing: z.boolean().nullish(),
  expires_in_days: z.number().int().min(1).max(MAX_EXPIRES_IN_DAYS).nullish(),
  template_slug: z.enum(['invitation', 'waitlist_invitation']).nullish(),
});

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

function toInput(b: z.output<typeof createBody>): CreateInvitationInput {
  return {
    emailAddress: b.email_address,
    publicMetadata: b.public_metadata,
    redirectUrl: b.redirect_url,
    notify: b.notify,
    ignoreExisting: b.ignore_existing,
    expiresInDays: b.expires_in_days,
    templateSlug: b.template_slug,
  };
}

export function registerInvitationRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.post('/invitations', async (request) => {
    const b = parseInput(createBody, request.body);
    return serializeInvitation(await createInvitation(ctx, toInput(b)));
  });

  app.post('/invitations/bulk', async (request) => {
    const items = parseInput(bulkBody, request.body).map((item) => toInput(parseInput(createBody, item)));
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
