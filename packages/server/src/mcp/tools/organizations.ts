import { z } from 'zod';
import { MEMBERSHIP_ORDER_FIELDS } from '../../domain/organizations/memberships.js';
import { ORGANIZATION_ORDER_FIELDS } from '../../domain/organizations/organizations.js';
import { CREATE_ORGANIZATION_FIELDS, UPDATE_ORGANIZATION_FIELDS } from '../../wire/requests/organization-body.js';
import { apiBody, apiQuery, defineTool, id, limit, metadata, offset, orderBy, seg, stringList, toolArguments, type GatehouseTool } from '../tool.js';

const ROLE_HELP = 'Role key: org:admin or org:member (the legacy admin and basic_member work too), or a custom role key.';
const role = z.string().min(1).max(256).describe(ROLE_HELP);
const orgId = { organizationId: id('organization') };
const membership = { organizationId: id('organization'), userId: id('user') };
const orgPath = (organizationId: string) => `/organizations/${seg(organizationId)}`;

export const organizationTools: GatehouseTool[] = [
  defineTool({
    name: 'createOrganization',
    title: 'Create an organization',
    description:
      'Creates an organization. With createdBy, that user becomes its first member with the org:admin role. ' +
      'The slug (lowercase letters, digits, dashes) is derived from the name when not given and must be unique.',
    access: 'write',
    input: {
      ...toolArguments(CREATE_ORGANIZATION_FIELDS, ['created_by', 'slug', 'max_allowed_memberships', 'public_metadata', 'private_metadata']),
      name: CREATE_ORGANIZATION_FIELDS.name,
    },
    run: (args, api) => api({ method: 'POST', path: '/organizations', body: apiBody(args) }),
  }),
  defineTool({
    name: 'getOrganization',
    title: 'Get an organization',
    description: 'Returns one organization by organizationId or by slug (give one of them).',
    access: 'read',
    input: {
      organizationId: z.string().min(1).max(256).describe('The organization’s ID.').optional(),
      slug: z.string().min(1).max(128).describe('The organization’s slug.').optional(),
      includeMembersCount: z.boolean().describe('Add members_count to the result.').optional(),
    },
    run: async (args, api) => {
      const key = args.organizationId ?? args.slug;
      if (!key) throw new Error('Give organizationId or slug to say which organization to get.');
      return api({ method: 'GET', path: orgPath(key), query: apiQuery(args, ['organizationId', 'slug']) });
    },
  }),
  defineTool({
    name: 'getOrganizationList',
    title: 'List and search organizations',
    description: 'Lists organizations, newest first by default. Returns {data, total_count}. query searches names, slugs and IDs.',
    access: 'read',
    input: {
      query: z.string().max(256).describe('Substring of the name or slug, or an ID.').optional(),
      userId: stringList('Only organizations these users belong to.').optional(),
      organizationId: stringList('Only these organizations.').optional(),
      includeMembersCount: z.boolean().describe('Add members_count to each organization.').optional(),
      orderBy: orderBy(ORGANIZATION_ORDER_FIELDS, '-created_at').optional(),
      limit: limit(500, 10).optional(),
      offset: offset.optional(),
    },
    run: (args, api) => api({ method: 'GET', path: '/organizations', query: apiQuery(args) }),
  }),
  defineTool({
    name: 'updateOrganization',
    title: 'Update an organization',
    description: 'Updates an organization’s name, slug, membership limit or settings. Metadata given here replaces the whole value; updateOrganizationMetadata merges.',
    access: 'write',
    input: {
      ...orgId,
      ...toolArguments(UPDATE_ORGANIZATION_FIELDS, ['name', 'slug', 'max_allowed_memberships', 'admin_delete_enabled', 'public_metadata', 'private_metadata']),
    },
    run: (args, api) => api({ method: 'PATCH', path: orgPath(args.organizationId), body: apiBody(args, ['organizationId']) }),
  }),
  defineTool({
    name: 'updateOrganizationMetadata',
    title: 'Merge organization metadata',
    description: 'Merges into an organization’s public and/or private metadata: nested objects merge, a key set to null is removed.',
    access: 'write',
    input: {
      ...orgId,
      publicMetadata: metadata('Public metadata to merge in.').optional(),
      privateMetadata: metadata('Private metadata to merge in.').optional(),
    },
    run: (args, api) => api({ method: 'PATCH', path: `${orgPath(args.organizationId)}/metadata`, body: apiBody(args, ['organizationId']) }),
  }),
  defineTool({
    name: 'deleteOrganization',
    title: 'Delete an organization',
    description: 'Deletes an organization with all its memberships and invitations. Cannot be undone.',
    access: 'destructive',
    input: orgId,
    run: (args, api) => api({ method: 'DELETE', path: orgPath(args.organizationId) }),
  }),
  defineTool({
    name: 'createOrganizationMembership',
    title: 'Add a member to an organization',
    description: 'Adds an existing user to an organization with a role, without an invitation.',
    access: 'write',
    input: { ...membership, role },
    run: (args, api) => api({ method: 'POST', path: `${orgPath(args.organizationId)}/memberships`, body: { user_id: args.userId, role: args.role } }),
  }),
  defineTool({
    name: 'updateOrganizationMembership',
    title: 'Change a member’s role',
    description: 'Changes a member’s role. An organization always keeps at least one member who can manage members.',
    access: 'write',
    input: { ...membership, role },
    run: (args, api) => api({ method: 'PATCH', path: `${orgPath(args.organizationId)}/memberships/${seg(args.userId)}`, body: { role: args.role } }),
  }),
  defineTool({
    name: 'updateOrganizationMembershipMetadata',
    title: 'Merge membership metadata',
    description: 'Merges into a membership’s public and/or private metadata: nested objects merge, a key set to null is removed.',
    access: 'write',
    input: {
      ...membership,
      publicMetadata: metadata('Public metadata to merge in.').optional(),
      privateMetadata: metadata('Private metadata to merge in.').optional(),
    },
    run: (args, api) =>
      api({ method: 'PATCH', path: `${orgPath(args.organizationId)}/memberships/${seg(args.userId)}/metadata`, body: apiBody(args, ['organizationId', 'userId']) }),
  }),
  defineTool({
    name: 'deleteOrganizationMembership',
    title: 'Remove a member from an organization',
    description: 'Removes a user from an organization; their sessions lose that organization at once.',
    access: 'destructive',
    input: membership,
    run: (args, api) => api({ method: 'DELETE', path: `${orgPath(args.organizationId)}/memberships/${seg(args.userId)}` }),
  }),
  defineTool({
    name: 'getOrganizationMembershipList',
    title: 'List an organization’s members',
    description: 'Lists the memberships of an organization, newest first by default, with each member’s public user data. Returns {data, total_count}.',
    access: 'read',
    input: {
      ...orgId,
      role: stringList('Only members with these role keys.').optional(),
      userId: stringList('Only these users.').optional(),
      emailAddress: stringList('Only members with these email addresses.').optional(),
      query: z.string().max(256).describe('Free-text search over the members’ identifiers and names.').optional(),
      orderBy: orderBy(MEMBERSHIP_ORDER_FIELDS, '-created_at').optional(),
      limit: limit(500, 10).optional(),
      offset: offset.optional(),
    },
    run: (args, api) => api({ method: 'GET', path: `${orgPath(args.organizationId)}/memberships`, query: apiQuery(args, ['organizationId']) }),
  }),
];
