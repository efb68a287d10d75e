import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { LOGO_MAX_BYTES, deleteOrganizationLogo, setOrganizationLogo } from '../../domain/organizations/logos.js';
import {
  ORGANIZATION_ORDER_FIELDS,
  createOrganization,
  deleteOrganization,
  getOrganization,
  listOrganizations,
  updateOrganization,
  updateOrganizationMetadata,
} from '../../domain/organizations/organizations.js';
import { GatehouseError, paramError } from '../../errors.js';
import { metadataObject, normalizeQuery, parseInput, queryBoolean, queryInteger, queryList, queryString, rfc3339 } from '../validation.js';
import { serializeOrganization } from '../../wire/organization.js';
import { serializeDeleted } from '../../wire/deleted.js';

const orgIdParams = z.object({ organization_id: z.string().min(1).max(128) });
const maxMemberships = z.number().int().min(0).max(1_000_000).nullish();

const createBody = z.object({
  name: z.string().max(256),
  slug: z.string().max(128).nullish(),
  created_by: z.string().max(128).nullish(),
  max_allowed_memberships: maxMemberships,
  public_metadata: metadataObject.nullish(),
  private_metadata: metadataObject.nullish(),
  created_at: rfc3339.nullish(),
});

const updateBody = z.object({
  name: z.string().max(256).nullish(),
  slug: z.string().max(128).nullish(),
  max_allowed_memberships: maxMemberships,
  admin_delete_enabled: z.boolean().nullish(),
  created_at: rfc3339.nullish(),
  public_metadata: metadataObject.nullish(),
  private_metadata: metadataObject.nullish(),
});

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
    const b = parseInput(createBody, request.body);
    const org = await createOrganization(ctx, {
      name: b.name,
      slug: b.slug,
      createdBy: b.created_by,
      maxAllowedMemberships: b.max_allowed_memberships,
      publicMetadata: b.public_metadata,
      privateMetadata: b.private_metadata,
      createdAt: b.created_at,
    });
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
    const b = parseInput(updateBody, request.body);
    const org = await updateOrganization(ctx, organization_id, {
      name: b.name,
      slug: b.slug,
      maxAllowedMemberships: b.max_allowed_memberships,
      adminDeleteEnabled: b.admin_delete_enabled,
      createdAt: b.created_at,
      publicMetadata: b.public_metadata,
      privateMetadata: b.private_metadata,
    });
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
    if (!request.isMultipart()) throw new GatehouseError('unsupported_content_type', { longMessage: 'Upload the logo as multipart/form-data with a "file" part.' });
    let bytes: Buffer | undefined;
    for await (const part of request.parts({ limits: { fileSize: LOGO_MAX_BYTES, files: 1, fields: 5 } })) {
      if (part.type === 'file' && part.fieldname === 'file') {
        bytes = await part.toBuffer();
        if (part.file.truncated) throw new GatehouseError('request_body_too_large', { longMessage: `The logo must be at most ${LOGO_MAX_BYTES} bytes.` });
      } else if (part.type === 'file') {
        await part.toBuffer();
      }
    }
    if (!bytes || bytes.length === 0) throw paramError('form_param_missing', 'file');
    const org = await setOrganizationLogo(ctx, organization_id, bytes);
    return { ...serializeOrganization(org), logo_url: org.imageUrl ?? '' };
  });

  app.delete('/organizations/:organization_id/logo', async (request) => {
    const { organization_id } = parseInput(orgIdParams, request.params);
    return serializeOrganization(await deleteOrganizationLogo(ctx, organization_id));
  });
}
