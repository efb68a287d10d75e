import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type FapiReply, type SignInJSON } from '../support/fapi-client.js';
import { latestCode } from '../support/inbox.js';
import { canary } from '../support/leak-canary.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident class: cross-organization access and privilege escalation. The authorization matrix of
 * the Frontend API's organization endpoints, generated from one table:
 * every endpoint × every kind of caller, each on a fresh organization, is allowed exactly when the
 * caller belongs to the organization and their role holds the permission the endpoint needs. A
 * refused call changes nothing on the server.
 */
let t: TestServer;
const PASSWORD = 'correct horse battery staple 42';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const SYSTEM_PERMISSIONS = [
  'org:sys_profile:manage',
  'org:sys_profile:delete',
  'org:sys_memberships:read',
  'org:sys_memberships:manage',
  'org:sys_domains:read',
  'org:sys_domains:manage',
] as const;
type Permission = (typeof SYSTEM_PERMISSIONS)[number];

/**
 * What each endpoint is given: a fresh organization with a member to act on, a pending invitation,
 * a domain, a user outside it and — for the endpoints that answer one — a domain verification
 * under way (its code) or someone's pending request to join.
 */
interface Fixture {
  orgId: string;
  domainId: string;
  targetUserId: string;
  invitationId: string;
  outsiderUserId: string;
  n: number;
  affiliationCode?: string;
  requestId?: string;
}

interface Endpoint {
  name: string;
  needs: Permission | 'membership';
  /** Extra state the endpoint acts on. */
  with?: 'affiliation_code' | 'membership_request';
  call(b: FapiBrowser, f: Fixture): Promise<FapiReply>;
}

const ENDPOINTS: Endpoint[] = [
  { name: 'GET organization', needs: 'membership', call: (b, f) => b.call('GET', `/organizations/${f.orgId}`) },
  { name: 'PATCH organization', needs: 'org:sys_profile:manage', call: (b, f) => b.call('PATCH', `/organizations/${f.orgId}`, { name: `Renamed ${f.n}` }) },
  { name: 'DELETE organization', needs: 'org:sys_profile:delete', call: (b, f) => b.call('DELETE', `/organizations/${f.orgId}`) },
  { name: 'PUT logo', needs: 'org:sys_profile:manage', call: (b, f) => b.upload('PUT', `/organizations/${f.orgId}/logo`, { bytes: PNG, type: 'image/png', name: 'logo.png' }) },
  { name: 'DELETE logo', needs: 'org:sys_profile:manage', call: (b, f) => b.call('DELETE', `/organizations/${f.orgId}/logo`) },
  { name: 'GET memberships', needs: 'org:sys_memberships:read', call: (b, f) => b.call('GET', `/organizations/${f.orgId}/memberships?paginated=true`) },
  { name: 'POST membership', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('POST', `/organizations/${f.orgId}/memberships`, { user_id: f.outsiderUserId, role: 'org:member' }) },
  { name: 'PATCH membership', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('PATCH', `/organizations/${f.orgId}/memberships/${f.targetUserId}`, { role: 'org:admin' }) },
  { name: 'DELETE membership', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('DELETE', `/organizations/${f.orgId}/memberships/${f.targetUserId}`) },
  { name: 'POST invitation', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('POST', `/organizations/${f.orgId}/invitations`, { email_address: `one.${f.n}@matrix.test`, role: 'org:member' }) },
  {
    name: 'POST invitations/bulk',
    needs: 'org:sys_memberships:manage',
    call: (b, f) => b.call('POST', `/organizations/${f.orgId}/invitations/bulk`, { email_address: [`a.${f.n}@matrix.test`, `b.${f.n}@matrix.test`], role: 'org:member' }),
  },
  { name: 'GET invitations', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('GET', `/organizations/${f.orgId}/invitations?status=pending`) },
  { name: 'GET invitations/pending', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('GET', `/organizations/${f.orgId}/invitations/pending`) },
  { name: 'POST invitation revoke', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('POST', `/organizations/${f.orgId}/invitations/${f.invitationId}/revoke`) },
  { name: 'GET roles', needs: 'membership', call: (b, f) => b.call('GET', `/organizations/${f.orgId}/roles`) },
  { name: 'leave (DELETE me/organization_memberships)', needs: 'membership', call: (b, f) => b.call('DELETE', `/me/organization_memberships/${f.orgId}`) },
  { name: 'GET domains', needs: 'org:sys_domains:read', call: (b, f) => b.call('GET', `/organizations/${f.orgId}/domains`) },
  { name: 'GET domain', needs: 'org:sys_domains:read', call: (b, f) => b.call('GET', `/organizations/${f.orgId}/domains/${f.domainId}`) },
  { name: 'POST domain', needs: 'org:sys_domains:manage', call: (b, f) => b.call('POST', `/organizations/${f.orgId}/domains`, { name: `new${f.n}.matrix.example` }) },
  { name: 'DELETE domain', needs: 'org:sys_domains:manage', call: (b, f) => b.call('DELETE', `/organizations/${f.orgId}/domains/${f.domainId}`) },
  {
    name: 'POST domain update_enrollment_mode',
    needs: 'org:sys_domains:manage',
    call: (b, f) => b.call('POST', `/organizations/${f.orgId}/domains/${f.domainId}/update_enrollment_mode`, { enrollment_mode: 'manual_invitation' }),
  },
  {
    name: 'POST domain prepare_affiliation_verification',
    needs: 'org:sys_domains:manage',
    call: (b, f) => b.call('POST', `/organizations/${f.orgId}/domains/${f.domainId}/prepare_affiliation_verification`, { affiliation_email_address: `it@f${f.n}.matrix.example` }),
  },
  {
    name: 'POST domain attempt_affiliation_verification',
    needs: 'org:sys_domains:manage',
    with: 'affiliation_code',
    call: (b, f) => b.call('POST', `/organizations/${f.orgId}/domains/${f.domainId}/attempt_affiliation_verification`, { code: f.affiliationCode! }),
  },
  { name: 'GET membership_requests', needs: 'org:sys_memberships:manage', call: (b, f) => b.call('GET', `/organizations/${f.orgId}/membership_requests?status=pending`) },
  {
    name: 'POST membership_request accept',
    needs: 'org:sys_memberships:manage',
    with: 'membership_request',
    call: (b, f) => b.call('POST', `/organizations/${f.orgId}/membership_requests/${f.requestId!}/accept`),
  },
  {
    name: 'POST membership_request reject',
    needs: 'org:sys_memberships:manage',
    with: 'membership_request',
    call: (b, f) => b.call('POST', `/organizations/${f.orgId}/membership_requests/${f.requestId!}/reject`),
  },
];

/** Who calls: by role in the organization (a custom role with or without each permission), or from outside it. */
interface Caller {
  name: string;
  /** The caller's role in the organization, or none. */
  role: string | null;
  permissions: readonly string[];
  /** Admin of an organization of their own. */
  elsewhere?: boolean;
}

const CALLERS: Caller[] = [
  { name: 'admin', role: 'org:admin', permissions: SYSTEM_PERMISSIONS },
  { name: 'member', role: 'org:member', permissions: ['org:sys_memberships:read'] },
  ...SYSTEM_PERMISSIONS.flatMap((p): Caller[] => {
    const slug = p.replace(/^org:/, '').replace(/:/g, '_');
    return [
      { name: `custom role with only ${p}`, role: `org:only_${slug}`, permissions: [p] },
      { name: `custom role with all but ${p}`, role: `org:all_but_${slug}`, permissions: SYSTEM_PERMISSIONS.filter((q) => q !== p) },
    ];
  }),
  { name: 'non-member', role: null, permissions: [] },
  { name: 'member of another organization', role: null, permissions: [], elsewhere: true },
];

const signedIn = new Map<string, FapiBrowser>();
const userIds = new Map<string, string>();
let ownerId = '';
let owner: FapiBrowser;
let outsiderId = '';
let fixtures = 0;

let people = 0;
const address = () => `person${++people}.${Date.now()}@matrix.test`;

async function signUp(label: string): Promise<{ id: string; b: FapiBrowser }> {
  const email = address();
  const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD, privateMetadata: { secret: canary(label) } });
  const b = new FapiBrowser(t.url);
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect((reply.body.response as SignInJSON).status).toBe('complete');
  return { id: user.id, b };
}

beforeAll(async () => {
  t = await startTestServer();
  const domains = await t.request('PATCH', '/v1/instance/organization_settings', { body: { domains_enabled: true, domains_enrollment_modes: ['automatic_invitation', 'automatic_suggestion'] } });
  expect(domains.status).toBe(200);
  for (const caller of CALLERS) {
    if (!caller.role || caller.role === 'org:admin' || caller.role === 'org:member') continue;
    const created = await t.request('POST', '/v1/organization_roles', { body: { name: caller.name.slice(0, 100), key: caller.role, description: caller.name, permissions: caller.permissions } });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  }
  const signedUpOwner = await signUp('owner');
  ownerId = signedUpOwner.id;
  owner = signedUpOwner.b;
  outsiderId = (await signUp('outsider')).id;
  for (const caller of CALLERS) {
    const { id, b } = await signUp(caller.role ?? 'outside');
    signedIn.set(caller.name, b);
    userIds.set(caller.name, id);
    if (caller.elsewhere) expect((await t.request('POST', '/v1/organizations', { body: { name: 'Elsewhere', created_by: id } })).status).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await t?.close();
});

async function bapi(method: string, path: string, body?: unknown): Promise<unknown> {
  const reply = await t.request(method, path, body === undefined ? {} : { body });
  expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(200);
  return reply.body;
}

async function fixtureFor(caller: Caller, endpoint: Endpoint): Promise<Fixture> {
  const n = ++fixtures;
  const org = (await bapi('POST', '/v1/organizations', { name: `Matrix ${n}`, created_by: ownerId, private_metadata: { secret: canary('organization') } })) as { id: string };
  const target = (await t.clerk.users.createUser({ emailAddress: [address()], skipPasswordRequirement: true })).id;
  await bapi('POST', `/v1/organizations/${org.id}/memberships`, { user_id: target, role: 'org:member', private_metadata: { secret: canary('membership') } });
  if (caller.role) await bapi('POST', `/v1/organizations/${org.id}/memberships`, { user_id: userIds.get(caller.name), role: caller.role });
  const invitation = (await bapi('POST', `/v1/organizations/${org.id}/invitations`, { email_address: `pending.${n}@matrix.test`, role: 'org:member', private_metadata: { secret: canary('invitation') } })) as { id: string };
  const domainName = `f${n}.matrix.example`;
  const suggesting = endpoint.with === 'membership_request' ? { verified: true, enrollment_mode: 'automatic_suggestion' } : { verified: false };
  const domain = (await bapi('POST', `/v1/organizations/${org.id}/domains`, { name: domainName, ...suggesting })) as { id: string };
  const fixture: Fixture = { orgId: org.id, domainId: domain.id, targetUserId: target, invitationId: invitation.id, outsiderUserId: outsiderId, n };
  if (endpoint.with === 'affiliation_code') {
    const since = Date.now();
    const prepared = await owner.call('POST', `/organizations/${org.id}/domains/${domain.id}/prepare_affiliation_verification`, { affiliation_email_address: `it@${domainName}` });
    expect(prepared.status).toBe(200);
    fixture.affiliationCode = await latestCode(t.url, `it@${domainName}`, since);
  }
  if (endpoint.with === 'membership_request') {
    // Someone at the organization's verified domain takes its suggestion, which asks to join.
    const email = `requester${n}@${domainName}`;
    await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const requester = new FapiBrowser(t.url);
    expect(((await requester.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' })).body.response as SignInJSON).status).toBe('complete');
    const suggestions = (await requester.call('GET', '/me/organization_suggestions?status=pending')).body.response as { data: { id: string }[] };
    expect((await requester.call('POST', `/me/organization_suggestions/${suggestions.data[0]!.id}/accept`)).status).toBe(200);
    const pending = (await owner.call('GET', `/organizations/${org.id}/membership_requests?status=pending`)).body.response as { data: { id: string }[] };
    fixture.requestId = pending.data[0]!.id;
  }
  return fixture;
}

/** What the server holds of the organization: a refused call must leave it as it was. */
async function snapshot(orgId: string): Promise<unknown> {
  const [org, memberships, invitations, domains, requests] = await Promise.all([
    t.request('GET', `/v1/organizations/${orgId}`),
    t.request('GET', `/v1/organizations/${orgId}/memberships?limit=100`),
    t.request('GET', `/v1/organizations/${orgId}/invitations?limit=100`),
    t.request('GET', `/v1/organizations/${orgId}/domains?limit=100`),
    owner.call('GET', `/organizations/${orgId}/membership_requests?status=pending`),
  ]);
  return [org.status, org.body, memberships.body, invitations.body, domains.body, requests.body.response];
}

function allowed(endpoint: Endpoint, caller: Caller): boolean {
  if (!caller.role) return false;
  return endpoint.needs === 'membership' || caller.permissions.includes(endpoint.needs);
}

describe('organization endpoints × callers', () => {
  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.name} (needs ${endpoint.needs})`, async () => {
      const outcomes = await Promise.all(
        CALLERS.map(async (caller) => {
          const f = await fixtureFor(caller, endpoint);
          const before = await snapshot(f.orgId);
          const reply = await endpoint.call(signedIn.get(caller.name)!, f);
          const expected = allowed(endpoint, caller) ? 200 : caller.role ? 403 : 404;
          const code = reply.body.errors?.[0]?.code;
          const unchanged = reply.status === 200 || JSON.stringify(await snapshot(f.orgId)) === JSON.stringify(before);
          return { caller: caller.name, status: reply.status, code, unchanged, expected };
        }),
      );
      for (const o of outcomes) {
        expect({ caller: o.caller, status: o.status }).toEqual({ caller: o.caller, status: o.expected });
        if (o.expected === 403) expect(o.code).toBe('missing_permission');
        if (o.expected === 404) expect(o.code).toBe('organization_not_found_or_unauthorized');
        expect(o.unchanged, `${o.caller}: a refused call changed the organization`).toBe(true);
      }
      for (const b of signedIn.values()) expect(b.specFailures).toEqual([]);
    }, 60_000);
  }
});

describe('ids of another organization', () => {
  it('are not found under an organization the caller manages: members, invitations, domains and requests stay with their own', async () => {
    const admin = CALLERS[0]!;
    const requestEndpoint = ENDPOINTS.find((e) => e.with === 'membership_request')!;
    const [mine, theirs] = [await fixtureFor(admin, requestEndpoint), await fixtureFor(admin, requestEndpoint)];
    const b = signedIn.get(admin.name)!;
    const before = await snapshot(theirs.orgId);
    const at = `/organizations/${mine.orgId}`;
    const crossed = [
      await b.call('PATCH', `${at}/memberships/${theirs.targetUserId}`, { role: 'org:admin' }),
      await b.call('DELETE', `${at}/memberships/${theirs.targetUserId}`),
      await b.call('POST', `${at}/invitations/${theirs.invitationId}/revoke`),
      await b.call('GET', `${at}/domains/${theirs.domainId}`),
      await b.call('DELETE', `${at}/domains/${theirs.domainId}`),
      await b.call('POST', `${at}/domains/${theirs.domainId}/update_enrollment_mode`, { enrollment_mode: 'manual_invitation' }),
      await b.call('POST', `${at}/membership_requests/${theirs.requestId!}/accept`),
      await b.call('POST', `${at}/membership_requests/${theirs.requestId!}/reject`),
    ];
    expect(crossed.map((r) => r.status)).toEqual(crossed.map(() => 404));
    expect(JSON.stringify(await snapshot(theirs.orgId))).toBe(JSON.stringify(before));
    expect(b.specFailures).toEqual([]);
  }, 60_000);
});
