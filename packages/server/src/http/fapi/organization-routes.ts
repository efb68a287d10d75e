import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  addMemberOrganizationMembership,
  changeMemberRole,
  createOwnOrganization,
  deleteMemberOrganization,
  deleteMemberOrganizationLogo,
  getMemberOrganization,
  inviteToMemberOrganization,
  listMemberOrganizationInvitations,
  listMemberOrganizationMemberships,
  listMemberOrganizationRoles,
  removeMember,
  revokeMemberOrganizationInvitation,
  setMemberOrganizationLogo,
  updateMemberOrganization,
} from '../../domain/organizations/member-actions.js';
import type { MembershipPage } from '../../domain/organizations/memberships.js';
import { paramError } from '../../errors.js';
import type { InvitationStatus } from '../../store/schema.js';
import { serializeFapiDeleted } from '../../wire/fapi/client.js';
import { fapiList, serializeFapiMembership, serializeFapiOrganization, serializeFapiOrganizationInvitation, serializeFapiRole } from '../../wire/fapi/organization.js';
import { uploadedImage } from '../images.js';
import { normalizeQuery, parseInput, queryBoolean, queryInteger, queryList, queryString } from '../validation.js';
import { withClient } from './client-identity.js';
import { signedInActor } from './signed-in-actor.js';
import { text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const orgParams = z.object({ organization_id: text(128).pipe(z.string().min(1)) });
const memberParams = orgParams.extend({ user_id: text(128).pipe(z.string().min(1)) });
const invitationParams = orgParams.extend({ invitation_id: text(128).pipe(z.string().min(1)) });

const createBody = z.object({ name: text(256), slug: text(128).optional() });
const updateBody = z.object({ name: text(256).optional(), slug: text(128).optional() });
const addMemberBody = z.object({ user_id: text(128), role: text(128) });
const roleBody = z.object({ role: text(128) });
/** One address as a string, several as a repeated form field (`email_address=a&email_address=b`) or a JSON array. */
const emailAddresses = z
  .union([text(320), z.array(text(320))])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string()).min(1, 'name at least one address').max(50, 'accepts at most 50 addresses'));
const inviteBody = z.object({ email_address: emailAddresses, role: text(128), redirect_url: text(2048).optional() });

export const listQuery = z.object({
  paginated: queryBoolean.optional(),
  limit: queryInteger(1, 500).optional(),
  offset: queryInteger(0, 1_000_000_000).optional(),
});
const membershipsQuery = listQuery.extend({ role: queryList.optional(), query: queryString.optional() });
const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export const invitationsQuery = listQuery.extend({ status: queryList.pipe(z.array(z.enum(INVITATION_STATUSES))).optional() });

export function pageOf(q: z.output<typeof listQuery>): { limit: number; offset: number } {
  return { limit: q.limit ?? 10, offset: q.offset ?? 0 };
}

/** The organizations a signed-in member works on from the browser; the domain checks each action against their role. */
export function registerOrganizationRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('POST', '/organizations', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const body = parseInput(createBody, request.body ?? {});
    const org = await createOwnOrganization(ctx, me.userId, { name: body.name, slug: body.slug || undefined });
    return withClient(ctx, request, reply, me.clientId, serializeFapiOrganization(org));
  });

  r.route('GET', '/organizations/:organization_id', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiOrganization(await getMemberOrganization(ctx, me.userId, id)));
  });

  r.route('PATCH', '/organizations/:organization_id', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(updateBody, request.body ?? {});
    const org = await updateMemberOrganization(ctx, me.userId, id, { name: body.name, slug: body.slug || undefined });
    return withClient(ctx, request, reply, me.clientId, serializeFapiOrganization(org));
  });

  r.route('DELETE', '/organizations/:organization_id', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted(await deleteMemberOrganization(ctx, me.userId, id)));
  });

  r.route('PUT', '/organizations/:organization_id/logo', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const org = await setMemberOrganizationLogo(ctx, me.userId, id, await uploadedImage(request));
    return withClient(ctx, request, reply, me.clientId, serializeFapiOrganization(org));
  });

  r.route('DELETE', '/organizations/:organization_id/logo', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const org = await deleteMemberOrganizationLogo(ctx, me.userId, id);
    // The FAPI spec answers a removed logo as a deleted object, named after the organization.
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted({ object: 'organization', id: org.id, deleted: true }));
  });

  r.route('GET', '/organizations/:organization_id/memberships', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const q = parseInput(membershipsQuery, normalizeQuery(request.query));
    const page: MembershipPage = { orderBy: { field: 'created_at', direction: 'asc' }, ...pageOf(q) };
    const term = q.query?.trim();
    const found = await listMemberOrganizationMemberships(ctx, me.userId, id, { ...(q.role ? { roles: q.role } : {}), ...(term ? { users: { query: term } } : {}) }, page);
    return withClient(ctx, request, reply, me.clientId, fapiList(found, q.paginated === true, serializeFapiMembership));
  });

  r.route('POST', '/organizations/:organization_id/memberships', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(addMemberBody, request.body ?? {});
    const membership = await addMemberOrganizationMembership(ctx, me.userId, id, { userId: body.user_id, role: body.role });
    return withClient(ctx, request, reply, me.clientId, serializeFapiMembership(membership));
  });

  r.route('PATCH', '/organizations/:organization_id/memberships/:user_id', async (request, reply) => {
    const { organization_id: id, user_id: userId } = parseInput(memberParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(roleBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeFapiMembership(await changeMemberRole(ctx, me.userId, id, userId, body.role)));
  });

  r.route('DELETE', '/organizations/:organization_id/memberships/:user_id', async (request, reply) => {
    const { organization_id: id, user_id: userId } = parseInput(memberParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiMembership(await removeMember(ctx, me.userId, id, userId)));
  });

  const invite = (bulk: boolean) => async (request: FastifyRequest) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(inviteBody, request.body ?? {});
    if (!bulk && body.email_address.length !== 1) throw paramError('form_param_value_invalid', 'email_address', 'email_address must be one address; send several to /invitations/bulk.');
    const invitations = await inviteToMemberOrganization(ctx, me.userId, id, { emailAddresses: body.email_address, role: body.role, redirectUrl: body.redirect_url });
    return { me, invitations: invitations.map(serializeFapiOrganizationInvitation) };
  };
  r.route('POST', '/organizations/:organization_id/invitations', async (request, reply) => {
    const { me, invitations } = await invite(false)(request);
    return withClient(ctx, request, reply, me.clientId, invitations[0]);
  });
  r.route('POST', '/organizations/:organization_id/invitations/bulk', async (request, reply) => {
    const { me, invitations } = await invite(true)(request);
    return withClient(ctx, request, reply, me.clientId, invitations);
  });

  const listInvitations = (fixed?: InvitationStatus[]) => async (request: FastifyRequest) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const q = parseInput(invitationsQuery, normalizeQuery(request.query));
    const found = await listMemberOrganizationInvitations(ctx, me.userId, id, {
      statuses: fixed ?? q.status ?? [],
      orderBy: { field: 'created_at', direction: 'desc' },
      ...pageOf(q),
    });
    return { me, list: fapiList(found, q.paginated === true, serializeFapiOrganizationInvitation) };
  };
  r.route('GET', '/organizations/:organization_id/invitations', async (request, reply) => {
    const { me, list } = await listInvitations()(request);
    return withClient(ctx, request, reply, me.clientId, list);
  });
  // Deprecated by Clerk, still answered for older clerk-js.
  r.route('GET', '/organizations/:organization_id/invitations/pending', async (request, reply) => {
    const { me, list } = await listInvitations(['pending'])(request);
    return withClient(ctx, request, reply, me.clientId, list);
  });

  r.route('POST', '/organizations/:organization_id/invitations/:invitation_id/revoke', async (request, reply) => {
    const { organization_id: id, invitation_id: invitationId } = parseInput(invitationParams, request.params);
    const me = await signedInActor(ctx, request);
    const revoked = await revokeMemberOrganizationInvitation(ctx, me.userId, id, invitationId);
    return withClient(ctx, request, reply, me.clientId, serializeFapiOrganizationInvitation(revoked));
  });

  r.route('GET', '/organizations/:organization_id/roles', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const roles = await listMemberOrganizationRoles(ctx, me.userId, id, { orderBy: { field: 'created_at', direction: 'asc' }, ...pageOf(q) });
    // clerk-js reads this list paginated whether or not it says so.
    return withClient(ctx, request, reply, me.clientId, fapiList(roles, true, serializeFapiRole));
  });
}
