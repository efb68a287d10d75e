import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { leaveOrganization } from '../../domain/organizations/member-actions.js';
import { listUserMemberships } from '../../domain/organizations/memberships.js';
import { acceptOwnSuggestion, listOwnOrganizationInvitations, listOwnSuggestions } from '../../domain/organizations/domain-enrollment.js';
import { acceptOwnOrganizationInvitation, declineOwnOrganizationInvitation } from '../../domain/organizations/organization-invitations.js';
import { serializeFapiDeleted } from '../../wire/fapi/client.js';
import { fapiList, serializeFapiMembership, serializeFapiSuggestion, serializeFapiUserInvitation } from '../../wire/fapi/organization.js';
import { normalizeQuery, parseInput, queryList } from '../validation.js';
import { withClient } from './client-identity.js';
import { signedInActor } from './signed-in-actor.js';
import { invitationsQuery, listQuery, pageOf } from './organization-routes.js';
import { text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const orgParams = z.object({ organization_id: text(128).pipe(z.string().min(1)) });
const suggestionsQuery = listQuery.extend({ status: queryList.pipe(z.array(z.enum(['pending', 'accepted']))).optional() });
const suggestionParams = z.object({ suggestion_id: text(128).pipe(z.string().min(1)) });
const invitationParams = z.object({ invitation_id: text(128).pipe(z.string().min(1)) });

/** The signed-in user's side of organizations: where they belong, leaving, and the invitations addressed to them. */
export function registerMeOrganizationRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('GET', '/me/organization_memberships', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const found = await listUserMemberships(ctx, me.userId, { orderBy: { field: 'created_at', direction: 'asc' }, ...pageOf(q) });
    return withClient(ctx, request, reply, me.clientId, fapiList(found, q.paginated === true, serializeFapiMembership));
  });

  r.route('DELETE', '/me/organization_memberships/:organization_id', async (request, reply) => {
    const { organization_id: id } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const left = await leaveOrganization(ctx, me.userId, id);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted({ object: 'organization_membership', id: left.id, deleted: true }));
  });

  // These two lists are pages whether or not clerk-js asks for them (`paginated`), as the FAPI spec has them.
  r.route('GET', '/me/organization_invitations', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const q = parseInput(invitationsQuery, normalizeQuery(request.query));
    const found = await listOwnOrganizationInvitations(ctx, me.userId, { statuses: q.status ?? [], ...pageOf(q) });
    return withClient(ctx, request, reply, me.clientId, fapiList(found, true, serializeFapiUserInvitation));
  });

  // Organizations the person's verified domains suggest; accepting one asks to join.
  r.route('GET', '/me/organization_suggestions', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const q = parseInput(suggestionsQuery, normalizeQuery(request.query));
    const found = await listOwnSuggestions(ctx, me.userId, { statuses: q.status ?? [], ...pageOf(q) });
    return withClient(ctx, request, reply, me.clientId, fapiList(found, true, serializeFapiSuggestion));
  });

  r.route('POST', '/me/organization_suggestions/:suggestion_id/accept', async (request, reply) => {
    const { suggestion_id: id } = parseInput(suggestionParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiSuggestion(await acceptOwnSuggestion(ctx, me.userId, id)));
  });

  r.route('POST', '/me/organization_invitations/:invitation_id/accept', async (request, reply) => {
    const { invitation_id: id } = parseInput(invitationParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiUserInvitation(await acceptOwnOrganizationInvitation(ctx, me.userId, id)));
  });

  // A Gatehouse extension: Clerk's Frontend API lets a person accept an invitation, not turn it down.
  r.route('POST', '/me/organization_invitations/:invitation_id/decline', async (request, reply) => {
    const { invitation_id: id } = parseInput(invitationParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiUserInvitation(await declineOwnOrganizationInvitation(ctx, me.userId, id)));
  });
}
