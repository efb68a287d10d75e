import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  createOrganizationInvitation,
  createOrganizationInvitations,
  getOrganizationInvitation,
  listOrganizationInvitations,
  listUserOrganizationInvitations,
  revokeOrganizationInvitation,
  type CreateOrganizationInvitationInput,
} from '../../domain/organizations/organization-invitations.js';
import { normalizeQuery, parseInput, queryInteger, queryList, queryString } from '../validation.js';
import { bulkBody } from './invitations.js';
import { camelKeys } from '../../wire/requests/fields.js';
import { CREATE_ORGANIZATION_INVITATION_FIELDS } from '../../wire/requests/invitation-body.js';
import {
  serializeOrganizationInvitation,
  serializeOrganizationInvitationWithPublicOrganizationData,
} from '../../wire/organization.js';

const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;

const createBody = z.object(CREATE_ORGANIZATION_INVITATION_FIELDS).transform(camelKeys) satisfies z.ZodType<CreateOrganizationInvitationInput>;

const revokeBody = z.object({ requesting_user_id: z.string().max(128).nullish() });

const orgParams = z.object({ organization_id: z.string().min(1).max(256) });
const invitationParams = orgParams.extend({ invitation_id: z.string().min(1).max(128) });
const userParams = z.object({ user_id: z.string().min(1).max(128) });

const statusList = queryList.pipe(z.array(z.enum(INVITATION_STATUSES)));
const page = {
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
};

const orderBy = queryString.pipe(
  z
    .string()
    .regex(/^[+-]?(created_at|email_address)$/, 'must be created_at or email_address, optionally prefixed with + or -')
    .transform((v) => ({
      field: v.replace(/^[+-]/, '') as 'created_at' | 'email_address',
      direction: v.startsWith('-') ? ('desc' as const) : ('asc' as const),
    })),
);

const listQuery = z.object({ status: statusList.optional(), email_address: queryList.optional(), order_by: orderBy.optional(), ...page });
const pendingListQuery = z.object(page);
const userListQuery = z.object({ status: statusList.optional(), ...page });

export function registerOrganizationInvitationRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.post('/organizations/:organization_id/invitations', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const b = parseInput(createBody, request.body);
    return serializeOrganizationInvitation(await createOrganizationInvitation(ctx, organization_id, b));
  });

  app.post('/organizations/:organization_id/invitations/bulk', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const items = parseInput(bulkBody, request.body).map((item) => parseInput(createBody, item));
    const invitations = await createOrganizationInvitations(ctx, organization_id, items);
    return { data: invitations.map(serializeOrganizationInvitation), total_count: invitations.length };
  });

  app.get('/organizations/:organization_id/invitations', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const page = await listOrganizationInvitations(ctx, organization_id, {
      ...(q.status ? { statuses: q.status } : {}),
      ...(q.email_address ? { emailAddresses: q.email_address } : {}),
      orderBy: q.order_by ?? { field: 'created_at', direction: 'desc' },
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
    });
    return { data: page.items.map(serializeOrganizationInvitation), total_count: page.totalCount };
  });

  // Deprecated by Clerk in favour of `?status=pending`, still served for older SDKs.
  app.get('/organizations/:organization_id/invitations/pending', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const q = parseInput(pendingListQuery, normalizeQuery(request.query));
    const page = await listOrganizationInvitations(ctx, organization_id, {
      statuses: ['pending'],
      orderBy: { field: 'created_at', direction: 'desc' },
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
    });
    return { data: page.items.map(serializeOrganizationInvitation), total_count: page.totalCount };
  });

  app.get('/organizations/:organization_id/invitations/:invitation_id', async (request) => {
    const { organization_id, invitation_id } = parseInput(invitationParams, request.params);
    return serializeOrganizationInvitation(await getOrganizationInvitation(ctx, organization_id, invitation_id));
  });

  app.post('/organizations/:organization_id/invitations/:invitation_id/revoke', async (request) => {
    const { organization_id, invitation_id } = parseInput(invitationParams, request.params);
    const b = parseInput(revokeBody, request.body);
    return serializeOrganizationInvitation(await revokeOrganizationInvitation(ctx, organization_id, invitation_id, b.requesting_user_id));
  });

  app.get('/users/:user_id/organization_invitations', async (request) => {
    const { user_id } = parseInput(userParams, request.params);
    const q = parseInput(userListQuery, normalizeQuery(request.query));
    const page = await listUserOrganizationInvitations(ctx, user_id, {
      ...(q.status ? { statuses: q.status } : {}),
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
    });
    return { data: page.items.map(serializeOrganizationInvitationWithPublicOrganizationData), total_count: page.totalCount };
  });
}
