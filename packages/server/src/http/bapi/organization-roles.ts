import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  CATALOG_ORDER_FIELDS,
  createPermission,
  deletePermission,
  getPermission,
  listPermissions,
  updatePermission,
  type CatalogListQuery,
  type CatalogOrderField,
} from '../../domain/organizations/permissions.js';
import {
  assignPermissionToRole,
  createRole,
  deleteRole,
  getRole,
  listRoles,
  removePermissionFromRole,
  updateRole,
} from '../../domain/organizations/roles.js';
import { normalizeQuery, parseInput, queryInteger, queryString } from '../validation.js';
import { serializePermission, serializeRole } from '../../wire/organization.js';
import { serializeDeleted } from '../../wire/deleted.js';

/** `/organization_roles` and `/organization_permissions`: the instance's role and permission catalog. */

const orderBy = queryString.pipe(
  z
    .string()
    .regex(new RegExp(`^[+-]?(${CATALOG_ORDER_FIELDS.join('|')})$`), `must be one of ${CATALOG_ORDER_FIELDS.join(', ')}, optionally prefixed with + or -`)
    .transform((v) => ({
      field: v.replace(/^[+-]/, '') as CatalogOrderField,
      direction: v.startsWith('-') ? ('desc' as const) : ('asc' as const),
    })),
);

const catalogListQuery = z.object({
  query: queryString.optional(),
  order_by: orderBy.optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
});

function toCatalogQuery(q: z.output<typeof catalogListQuery>): CatalogListQuery {
  return {
    ...(q.query !== undefined ? { query: q.query } : {}),
    orderBy: q.order_by ?? { field: 'created_at', direction: 'desc' },
    limit: q.limit ?? 10,
    offset: q.offset ?? 0,
  };
}

// Lengths and key formats are domain rules; these only bound what reaches the domain.
const text = z.string().max(4096);
const permissionRefs = z.array(z.string().max(256)).max(500);

const createPermissionBody = z.object({ name: text, key: text, description: text.nullish() });
const updatePermissionBody = z.object({ name: text.nullish(), key: text.nullish(), description: text.nullish() });

const createRoleBody = z.object({
  name: text,
  key: text,
  description: text.nullish(),
  permissions: permissionRefs.nullish(),
  // Accepted for Clerk compatibility; this server has no role sets, so every role is available.
  include_in_initial_role_set: z.boolean().nullish(),
});
const updateRoleBody = z.object({
  name: text.nullish(),
  key: text.nullish(),
  description: text.nullish(),
  permissions: permissionRefs.nullish(),
});

const id = z.string().min(1).max(128);
const roleParams = z.object({ organization_role_id: id });
const permissionParams = z.object({ permission_id: id });
const rolePermissionParams = z.object({ organization_role_id: id, permission_id: id });

export function registerOrganizationRoleRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/organization_permissions', async (request) => {
    const q = parseInput(catalogListQuery, normalizeQuery(request.query));
    const page = await listPermissions(ctx, toCatalogQuery(q));
    return { data: page.items.map(serializePermission), total_count: page.totalCount };
  });

  app.post('/organization_permissions', async (request) => {
    const b = parseInput(createPermissionBody, request.body);
    return serializePermission(await createPermission(ctx, { name: b.name, key: b.key, description: b.description }));
  });

  app.get('/organization_permissions/:permission_id', async (request) => {
    const { permission_id } = parseInput(permissionParams, request.params);
    return serializePermission(await getPermission(ctx, permission_id));
  });

  app.patch('/organization_permissions/:permission_id', async (request) => {
    const { permission_id } = parseInput(permissionParams, request.params);
    const b = parseInput(updatePermissionBody, request.body);
    return serializePermission(await updatePermission(ctx, permission_id, { name: b.name, key: b.key, description: b.description }));
  });

  app.delete('/organization_permissions/:permission_id', async (request) => {
    const { permission_id } = parseInput(permissionParams, request.params);
    return serializeDeleted(await deletePermission(ctx, permission_id));
  });

  app.get('/organization_roles', async (request) => {
    const q = parseInput(catalogListQuery, normalizeQuery(request.query));
    const page = await listRoles(ctx, toCatalogQuery(q));
    return { data: page.items.map(serializeRole), total_count: page.totalCount };
  });

  app.post('/organization_roles', async (request) => {
    const b = parseInput(createRoleBody, request.body);
    return serializeRole(await createRole(ctx, { name: b.name, key: b.key, description: b.description, permissions: b.permissions }));
  });

  app.get('/organization_roles/:organization_role_id', async (request) => {
    const { organization_role_id } = parseInput(roleParams, request.params);
    return serializeRole(await getRole(ctx, organization_role_id));
  });

  app.patch('/organization_roles/:organization_role_id', async (request) => {
    const { organization_role_id } = parseInput(roleParams, request.params);
    const b = parseInput(updateRoleBody, request.body);
    return serializeRole(
      await updateRole(ctx, organization_role_id, { name: b.name, key: b.key, description: b.description, permissions: b.permissions }),
    );
  });

  app.delete('/organization_roles/:organization_role_id', async (request) => {
    const { organization_role_id } = parseInput(roleParams, request.params);
    return serializeDeleted(await deleteRole(ctx, organization_role_id));
  });

  app.post('/organization_roles/:organization_role_id/permissions/:permission_id', async (request) => {
    const { organization_role_id, permission_id } = parseInput(rolePermissionParams, request.params);
    return serializeRole(await assignPermissionToRole(ctx, organization_role_id, permission_id));
  });

  app.delete('/organization_roles/:organization_role_id/permissions/:permission_id', async (request) => {
    const { organization_role_id, permission_id } = parseInput(rolePermissionParams, request.params);
    return serializeRole(await removePermissionFromRole(ctx, organization_role_id, permission_id));
  });
}
