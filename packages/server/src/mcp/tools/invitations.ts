import { z } from 'zod';
import { apiBody, apiQuery, defineTool, id, limit, metadata, offset, seg, stringList, type GatehouseTool } from '../tool.js';

const STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
const status = z
  .union([z.enum(STATUSES), z.array(z.enum(STATUSES)).max(4)], { error: `expected one of ${STATUSES.join(', ')}, or a list of them` })
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .describe(`Only invitations with these statuses (${STATUSES.join(', ')}).`);
const email = z.string().min(3).max(320).describe('The email address to invite.');
const redirectUrl = z.string().max(4096).describe('Where the invitation link lands, e.g. your sign-up page.');
const expiresInDays = z.number().int().min(1).max(365).describe('Days until the invitation expires (default 30).');

export const invitationTools: GatehouseTool[] = [
  defineTool({
    name: 'createOrganizationInvitation',
    title: 'Invite someone to an organization',
    description: 'Invites an email address to join an organization with a role. Accepting creates the membership (and the user, if new).',
    access: 'write',
    input: {
      organizationId: id('organization'),
      emailAddress: email,
      role: z.string().min(1).max(256).describe('Role key the member gets: org:admin or org:member (legacy admin / basic_member work too), or a custom role.'),
      inviterUserId: z.string().max(128).describe('ID of the member sending the invitation (must be able to manage members).').optional(),
      redirectUrl: redirectUrl.optional(),
      publicMetadata: metadata('Public metadata copied to the membership on acceptance.').optional(),
      privateMetadata: metadata('Private metadata copied to the membership on acceptance.').optional(),
      expiresInDays: expiresInDays.optional(),
      notify: z.boolean().describe('Send the invitation email (default true).').optional(),
    },
    run: (args, api) => api({ method: 'POST', path: `/organizations/${seg(args.organizationId)}/invitations`, body: apiBody(args, ['organizationId']) }),
  }),
  defineTool({
    name: 'revokeOrganizationInvitation',
    title: 'Revoke an organization invitation',
    description: 'Revokes a pending organization invitation; its link stops working at once.',
    access: 'destructive',
    input: {
      organizationId: id('organization'),
      invitationId: id('invitation'),
      requestingUserId: z.string().max(128).describe('ID of the member revoking it, for the record.').optional(),
    },
    run: (args, api) =>
      api({
        method: 'POST',
        path: `/organizations/${seg(args.organizationId)}/invitations/${seg(args.invitationId)}/revoke`,
        body: apiBody(args, ['organizationId', 'invitationId']),
      }),
  }),
  defineTool({
    name: 'getOrganizationInvitationList',
    title: 'List an organization’s invitations',
    description: 'Lists the invitations of an organization, newest first. Returns {data, total_count}.',
    access: 'read',
    input: {
      organizationId: id('organization'),
      status: status.optional(),
      emailAddress: stringList('Only invitations to these email addresses.').optional(),
      limit: limit(500, 10).optional(),
      offset: offset.optional(),
    },
    run: (args, api) => api({ method: 'GET', path: `/organizations/${seg(args.organizationId)}/invitations`, query: apiQuery(args, ['organizationId']) }),
  }),
  defineTool({
    name: 'createInvitation',
    title: 'Invite someone to sign up',
    description: 'Invites an email address to sign up to the application (needed when sign-up is restricted). Returns the invitation.',
    access: 'write',
    input: {
      emailAddress: email,
      redirectUrl: redirectUrl.optional(),
      publicMetadata: metadata('Public metadata the new user starts with.').optional(),
      notify: z.boolean().describe('Send the invitation email (default true).').optional(),
      ignoreExisting: z.boolean().describe('Create it even if a pending invitation for this address exists.').optional(),
      expiresInDays: expiresInDays.optional(),
    },
    run: (args, api) => api({ method: 'POST', path: '/invitations', body: apiBody(args) }),
  }),
  defineTool({
    name: 'revokeInvitation',
    title: 'Revoke a sign-up invitation',
    description: 'Revokes a pending sign-up invitation; its link stops working at once.',
    access: 'destructive',
    input: { invitationId: id('invitation') },
    run: (args, api) => api({ method: 'POST', path: `/invitations/${seg(args.invitationId)}/revoke` }),
  }),
];
