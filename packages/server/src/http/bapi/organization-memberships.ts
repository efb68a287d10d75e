import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  MEMBERSHIP_ORDER_FIELDS,
  createMembership,
  deleteMembership,
  listInstanceMemberships,
  listOrganizationMemberships,
  listUserMemberships,
  updateMembershipMetadata,
  updateMembershipRole,
  type MembershipOrderField,
  type MembershipPage,
} from '../../domain/organizations/memberships.js';
import { metadataObject, normalizeQuery, parseInput, queryInteger, queryList, queryString } from '../validation.js';
import { serializeMembership } from '../../wire/organization.js';
import { userFilterQuery } from './user-filter-query.js';

const orgParams = z.object({ organization_id: z.string().min(1).max(128) });
const memberParams = orgParams.extend({ user_id: z.string().min(1).max(128) });
const userParams = z.object({ user_id: z.string().min(1).max(128) });
const role = z.string().min(1).max(128);

const pageQuery = z.object({
  order_by: queryString
    .pipe(z.string().regex(new RegExp(`^[+-]?(${MEMBERSHIP_ORDER_FIELDS.join('|')})$`), `must be one of ${MEMBERSHIP_ORDER_FIELDS.join(', ')}, optionally prefixed with + or -`))
    .optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
});

const orgListQuery = pageQuery.extend({ role: queryList.optional() });

function pageFrom(q: z.output<typeof pageQuery>): MembershipPage {
  const order = q.order_by ?? '-created_at';
  return {
    orderBy: { field: order.replace(/^[+-]/, '') as MembershipOrderField, direction: order.startsWith('-') ? 'desc' : 'asc' },
    limit: q.limit ?? 10,
    offset: q.offset ?? 0,
  };
}

const createBody = z.object({
  user_id: z.string().min(1).max(128),
  role,
  public_metadata: metadataObject.nullish(),
  private_metadata: metadataObject.nullish(),
});
const updateBody = z.object({ role });
const metadataBody = z.object({ public_metadata: metadataObject.nullish(), private_metadata: metadataObject.nullish() });

export function registerOrganizationMembershipRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/organizations/:organization_id/memberships', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const query = normalizeQuery(request.query);
    const users = parseInput(userFilterQuery, query);
    const q = parseInput(orgListQuery, query);
    const { items, totalCount } = await listOrganizationMemberships(
      ctx,
      organization_id,
      { ...(q.role ? { roles: q.role } : {}), users },
      pageFrom(q),
    );
    return { data: items.map(serializeMembership), total_count: totalCount };
  });

  app.post('/organizations/:organization_id/memberships', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const b = parseInput(createBody, request.body);
    const membership = await createMembership(ctx, organization_id, {
      userId: b.user_id,
      role: b.role,
      publicMetadata: b.public_metadata,
      privateMetadata: b.private_metadata,
    });
    return serializeMembership(membership);
  });

  app.patch('/organizations/:organization_id/memberships/:user_id', async (request) => {
    const { organization_id, user_id } = parseInput(memberParams, request.params);
    const b = parseInput(updateBody, request.body);
    return serializeMembership(await updateMembershipRole(ctx, organization_id, user_id, b.role));
  });

  app.delete('/organizations/:organization_id/memberships/:user_id', async (request) => {
    const { organization_id, user_id } = parseInput(memberParams, request.params);
    return serializeMembership(await deleteMembership(ctx, organization_id, user_id));
  });

  app.patch('/organizations/:organization_id/memberships/:user_id/metadata', async (request) => {
    const { organization_id, user_id } = parseInput(memberParams, request.params);
    const b = parseInput(metadataBody, request.body);
    return serializeMembership(await updateMembershipMetadata(ctx, organization_id, user_id, { publicMetadata: b.public_metadata, privateMetadata: b.private_metadata }));
  });

  app.get('/organization_memberships', async (request) => {
    const q = parseInput(pageQuery, normalizeQuery(request.query));
    const { items, totalCount } = await listInstanceMemberships(ctx, pageFrom(q));
    return { data: items.map(serializeMembership), total_count: totalCount };
  });

  app.get('/users/:user_id/organization_memberships', async (request) => {
    const { user_id } = parseInput(userParams, request.params);
    const q = parseInput(pageQuery, normalizeQuery(request.query));
    const { items, totalCount } = await listUserMemberships(ctx, user_id, pageFrom(q));
    return { data: items.map(serializeMembership), total_count: totalCount };
  });
}
