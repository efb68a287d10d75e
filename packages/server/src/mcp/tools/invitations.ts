import { z } from 'zod';
import { CREATE_INVITATION_FIELDS, CREATE_ORGANIZATION_INVITATION_FIELDS } from '../../wire/requests/invitation-body.js';
import { apiBody, apiQuery, defineTool, id, limit, offset, seg, stringList, toolArguments, type GatehouseTool } from '../tool.js';

const STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
const status = z
  .union([z.enum(STATUSES), z.array(z.enum(STATUSES)).max(4)], { error: `expected one of ${STATUSES.join(', ')}, or a list of them` })
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .describe(`Only invitations with these statuses (${STATUSES.join(', ')}).`);

export const invitationTools: GatehouseTool[] = [
  defineTool({
    name: 'createOrganizationInvitation',
    title: 'Invite someone to an organization',
    description: 'Invites an email address to join an organization with a role. Accepting creates the membership (and the user, if new).',
    access: 'write',
    input: {
      organizationId: id('organization'),
      emailAddress: CREATE_ORGANIZATION_INVITATION_FIELDS.email_address,
      role: CREATE_ORGANIZATION_INVITATION_FIELDS.role,
      ...toolArguments(CREATE_ORGANIZATION_INVITATION_FIELDS, ['inviter_user_id', 'redirect_url', 'public_metadata', 'private_metadata', 'expires_in_days', 'notify']),
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
      emailAddress: CREATE_INVITATION_FIELDS.email_address,
      ...toolArguments(CREATE_INVITATION_FIELDS, ['redirect_url', 'public_metadata', 'notify', 'ignore_existing', 'expires_in_days']),
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
