import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { createOrganizationDomain, deleteOrganizationDomain, listInstanceDomains, listOrganizationDomains, updateOrganizationDomain } from '../../domain/organizations/domains.js';
import { DOMAIN_ENROLLMENT_MODES } from '../../domain/settings/instance-settings.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { serializeOrganizationDomain } from '../../wire/organization-domain.js';
import { normalizeQuery, parseInput, queryBoolean, queryInteger, queryList, queryString } from '../validation.js';

const id = z.string().min(1).max(128);
const orgParams = z.object({ organization_id: id });
const domainParams = orgParams.extend({ domain_id: id });
const mode = z.enum(DOMAIN_ENROLLMENT_MODES);

const listQuery = z.object({
  verified: queryBoolean.optional(),
  enrollment_mode: queryList.pipe(z.array(mode)).optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
});
const instanceListQuery = listQuery.extend({ organization_id: queryString.optional(), domains: queryList.optional() });
const createBody = z.object({ name: z.string().max(253), enrollment_mode: mode.nullish(), verified: z.boolean().nullish() });
const updateBody = z.object({ enrollment_mode: mode.nullish(), verified: z.boolean().nullish() });

/** Organizations' domains through the Backend API, which may vouch for a domain (`verified`, the default) without an emailed code. */
export function registerOrganizationDomainRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.post('/organizations/:organization_id/domains', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const b = parseInput(createBody, request.body);
    const domain = await createOrganizationDomain(ctx, organization_id, { name: b.name, enrollmentMode: b.enrollment_mode ?? undefined, verified: b.verified ?? true });
    return serializeOrganizationDomain(domain);
  });

  app.get('/organizations/:organization_id/domains', async (request) => {
    const { organization_id } = parseInput(orgParams, request.params);
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const page = await listOrganizationDomains(ctx, organization_id, { verified: q.verified, enrollmentModes: q.enrollment_mode, limit: q.limit ?? 10, offset: q.offset ?? 0 });
    return { data: page.items.map(serializeOrganizationDomain), total_count: page.totalCount };
  });

  app.patch('/organizations/:organization_id/domains/:domain_id', async (request) => {
    const { organization_id, domain_id } = parseInput(domainParams, request.params);
    const b = parseInput(updateBody, request.body);
    const domain = await updateOrganizationDomain(ctx, organization_id, domain_id, { enrollmentMode: b.enrollment_mode ?? undefined, verified: b.verified ?? undefined });
    return serializeOrganizationDomain(domain);
  });

  app.delete('/organizations/:organization_id/domains/:domain_id', async (request) => {
    const { organization_id, domain_id } = parseInput(domainParams, request.params);
    return serializeDeleted(await deleteOrganizationDomain(ctx, organization_id, domain_id));
  });

  app.get('/organization_domains', async (request) => {
    const q = parseInput(instanceListQuery, normalizeQuery(request.query));
    const page = await listInstanceDomains(ctx, {
      organizationId: q.organization_id,
      names: q.domains?.map((d) => d.trim().toLowerCase()),
      verified: q.verified,
      enrollmentModes: q.enrollment_mode,
      limit: q.limit ?? 10,
      offset: q.offset ?? 0,
    });
    return { data: page.items.map(serializeOrganizationDomain), total_count: page.totalCount };
  });
}
