import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { deleteOrganizationLogo, setOrganizationLogo } from '../../domain/organizations/logos.js';
import {
  ORGANIZATION_ORDER_FIELDS,
  createOrganization,
  deleteOrganization,
  getOrganization,
  listOrganizations,
  updateOrganization,
  updateOrganizationMetadata,
  type CreateOrganizationInput,
  type UpdateOrganizationInput,
} from '../../domain/organizations/organizations.js';
import { uploadedImage } from '../images.js';
import { metadataObject, normalizeQuery, parseInput, queryBoolean, queryInteger, queryList, queryString } from '../validation.js';
import { serializeOrganization } from '../../wire/organization.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { camelKeys } from '../../wire/requests/fields.js';
import { CREATE_ORGANIZATION_FIELDS, UPDATE_ORGANIZATION_FIELDS } from '../../wire/requests/organization-body.js';

const orgIdParams = z.object({ organization_id: z.string().min(1).max(128) });

const createBody = z.object(CREATE_ORGANIZATION_FIELDS).transform(camelKeys) satisfies z.ZodType<CreateOrganizationInput>;
const updateBody = z.object(UPDATE_ORGANIZATION_FIELDS).transform(camelKeys) satisfies z.ZodType<UpdateOrganizationInput>;

const metadataBody = z.object({ public_metadata: metadataObject.nullish(), private_metadata: metadataObject.nullish() });

const countsQuery = z.object({
  include_members_count: queryBoolean.optional(),
  include_missing_member_with_elevated_permissions: queryBoolean.optional(),
});

const listQuery = countsQuery.extend({
  query: queryString.optional(),
  organization_id: queryList.optional(),
  user_id: queryList.optional(),
  order_by: queryString
    .pipe(z.string().regex(new RegExp(`^[+-]?(${ORGANIZATION_ORDER_FIELDS.join('|')})$`), `must be one of ${ORGANIZATION_ORDER_FIELDS.join(', ')}, optionally prefixed with + or -`))
    .optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
});

export function registerOrganizationRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/organizations', async (request) => {
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const order = q.order_by ?? '-created_at';
    const { items, totalCount } = await listOrganizations(ctx, {
      ...(q.query !== undefined ? { query: q.query } : {}),
      ...(q.organization_id ? { organizationIds: q.organization_id } : {}),
      ...(q.user_id ? { userIds: q.user_id } : {}),
      orderBy: {
        field: order.replace(/^[+-]/, '') as (typeof ORGANIZATION_ORDER_FIELDS)[number],
        direction: order.startsWith('-') ? 'desc' : 'asc',
      },
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
      includeMembersCount: q.include_members_count === true,
    });
    return { data: items.map(serializeOrganization), total_count: totalCount };
  });

  app.post('/organizations', async (request) => {
    const org = await createOrganization(ctx, parseInput(createBody, request.body));
    return serializeOrganization(org);
  });

  app.get('/organizations/:organization_id', async (request) => {
    const { organization_id } = parseInput(orgIdParams, request.params);
    const q = parseInput(countsQuery, normalizeQuery(request.query));
    const counts = q.include_members_count ? { membersCount: true, pendingInvitationsCount: true } : {};
    return serializeOrganization(await getOrganization(ctx, organization_id, counts));
  });

  app.patch('/organizations/:organization_id', async (request) => {
    const { organization_id } = parseInput(orgIdParams, request.params);
    const org = await updateOrganization(ctx, organization_id, parseInput(updateBody, request.body));
    return serializeOrganization(org);
  });

  app.delete('/organizations/:organization_id', async (request) => {
    const { organization_id } = parseInput(orgIdParams, request.params);
    return serializeDeleted(await deleteOrganization(ctx, organization_id));
  });

  for (const [method, mode] of [
    ['patch', 'merge'],
    ['put', 'replace'],
  ] as const) {
    app[method]('/organizations/:organization_id/metadata', async (request) => {
      const { organization_id } = parseInput(orgIdParams, request.params);
      const b = parseInput(metadataBody, request.body);
      const org = await updateOrganizationMetadata(ctx, organization_id, { publicMetadata: b.public_metadata, privateMetadata: b.private_metadata }, mode);
      return serializeOrganization(org);
    });
  }

  app.put('/organizations/:organization_id/logo', async (request) => {
    const { organization_id } = parseInput(orgIdParams, request.params);
    const bytes = await uploadedImage(request);
    const org = await setOrganizationLogo(ctx, organization_id, bytes);
    return { ...serializeOrganization(org), logo_url: org.imageUrl ?? '' };
  });

  app.delete('/organizations/:organization_id/logo', async (request) => {
    const { organization_id } = parseInput(orgIdParams, request.params);
    return serializeOrganization(await deleteOrganizationLogo(ctx, organization_id));
  });
}
