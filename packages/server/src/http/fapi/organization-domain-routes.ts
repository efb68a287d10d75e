import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  addMemberOrganizationDomain,
  answerMemberMembershipRequest,
  attemptMemberDomainAffiliation,
  deleteMemberOrganizationDomain,
  getMemberOrganizationDomain,
  listMemberMembershipRequests,
  listMemberOrganizationDomains,
  prepareMemberDomainAffiliation,
  setMemberDomainEnrollmentMode,
} from '../../domain/organizations/member-actions.js';
import { DOMAIN_ENROLLMENT_MODES } from '../../domain/settings/instance-settings.js';
import { serializeFapiDeleted } from '../../wire/fapi/client.js';
import { fapiList, serializeFapiMembershipRequest } from '../../wire/fapi/organization.js';
import { serializeOrganizationDomain } from '../../wire/organization-domain.js';
import { normalizeQuery, parseInput, queryBoolean, queryList } from '../validation.js';
import { withClient } from './client-identity.js';
import { signedInActor } from './signed-in-actor.js';
import { listQuery, pageOf } from './organization-routes.js';
import { formBoolean, text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const id = text(128).pipe(z.string().min(1));
const orgParams = z.object({ organization_id: id });
const domainParams = orgParams.extend({ domain_id: id });
const requestParams = orgParams.extend({ request_id: id });
const mode = z.enum(DOMAIN_ENROLLMENT_MODES);

const domainsQuery = listQuery.extend({ verified: queryBoolean.optional(), enrollment_mode: queryList.pipe(z.array(mode)).optional() });
const requestsQuery = listQuery.extend({ status: queryList.pipe(z.array(z.enum(['pending', 'accepted', 'rejected']))).optional() });
const createBody = z.object({ name: text(253) });
const modeBody = z.object({ enrollment_mode: mode, delete_pending: formBoolean.optional() });
const prepareBody = z.object({ affiliation_email_address: text(320) });
const attemptBody = z.object({ code: text(64) });

/** An organization's verified domains and the membership requests they bring, from the browser. */
export function registerOrganizationDomainRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('GET', '/organizations/:organization_id/domains', async (request, reply) => {
    const { organization_id: orgId } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const q = parseInput(domainsQuery, normalizeQuery(request.query));
    const found = await listMemberOrganizationDomains(ctx, me.userId, orgId, { verified: q.verified, enrollmentModes: q.enrollment_mode, ...pageOf(q) });
    return withClient(ctx, request, reply, me.clientId, fapiList(found, true, serializeOrganizationDomain));
  });

  r.route('POST', '/organizations/:organization_id/domains', async (request, reply) => {
    const { organization_id: orgId } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(createBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeOrganizationDomain(await addMemberOrganizationDomain(ctx, me.userId, orgId, body.name)));
  });

  r.route('GET', '/organizations/:organization_id/domains/:domain_id', async (request, reply) => {
    const { organization_id: orgId, domain_id: domainId } = parseInput(domainParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeOrganizationDomain(await getMemberOrganizationDomain(ctx, me.userId, orgId, domainId)));
  });

  r.route('DELETE', '/organizations/:organization_id/domains/:domain_id', async (request, reply) => {
    const { organization_id: orgId, domain_id: domainId } = parseInput(domainParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted(await deleteMemberOrganizationDomain(ctx, me.userId, orgId, domainId)));
  });

  r.route('POST', '/organizations/:organization_id/domains/:domain_id/update_enrollment_mode', async (request, reply) => {
    const { organization_id: orgId, domain_id: domainId } = parseInput(domainParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(modeBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeOrganizationDomain(await setMemberDomainEnrollmentMode(ctx, me.userId, orgId, domainId, body.enrollment_mode, body.delete_pending === true)));
  });

  r.route('POST', '/organizations/:organization_id/domains/:domain_id/prepare_affiliation_verification', async (request, reply) => {
    const { organization_id: orgId, domain_id: domainId } = parseInput(domainParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(prepareBody, request.body ?? {});
    const domain = await prepareMemberDomainAffiliation(ctx, me, orgId, domainId, body.affiliation_email_address);
    return withClient(ctx, request, reply, me.clientId, serializeOrganizationDomain(domain));
  });

  r.route('POST', '/organizations/:organization_id/domains/:domain_id/attempt_affiliation_verification', async (request, reply) => {
    const { organization_id: orgId, domain_id: domainId } = parseInput(domainParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(attemptBody, request.body ?? {});
    const domain = await attemptMemberDomainAffiliation(ctx, me, orgId, domainId, body.code);
    return withClient(ctx, request, reply, me.clientId, serializeOrganizationDomain(domain));
  });

  r.route('GET', '/organizations/:organization_id/membership_requests', async (request, reply) => {
    const { organization_id: orgId } = parseInput(orgParams, request.params);
    const me = await signedInActor(ctx, request);
    const q = parseInput(requestsQuery, normalizeQuery(request.query));
    const found = await listMemberMembershipRequests(ctx, me.userId, orgId, { statuses: q.status ?? [], ...pageOf(q) });
    return withClient(ctx, request, reply, me.clientId, fapiList(found, true, serializeFapiMembershipRequest));
  });

  for (const [action, answer] of [
    ['accept', 'accepted'],
    ['reject', 'rejected'],
  ] as const) {
    r.route('POST', `/organizations/:organization_id/membership_requests/:request_id/${action}`, async (request, reply) => {
      const { organization_id: orgId, request_id: requestId } = parseInput(requestParams, request.params);
      const me = await signedInActor(ctx, request);
      const answered = await answerMemberMembershipRequest(ctx, me.userId, orgId, requestId, answer);
      return withClient(ctx, request, reply, me.clientId, serializeFapiMembershipRequest(answered));
    });
  }
}
