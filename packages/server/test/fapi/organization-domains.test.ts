import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { latestCode } from '../support/inbox.js';
import { canary } from '../support/leak-canary.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Organizations' verified domains from the browser and the Backend API: an admin proves an address
 * at the domain with an emailed code; then people with a verified address there are suggested the
 * organization (accepting asks to join, and an admin accepts the request) or invited to it
 * automatically, as the domain's enrollment mode says.
 */
let t: TestServer;
let seq = 0;
const PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

interface Person {
  b: FapiBrowser;
  userId: string;
  email: string;
}

interface DomainJSON {
  id: string;
  name: string;
  enrollment_mode: string;
  affiliation_email_address: string | null;
  verification: { status: string; strategy: string; attempts: number | null } | null;
  total_pending_invitations: number;
  total_pending_suggestions: number;
}

async function person(email = `dom${++seq}.${Date.now()}@people.test`): Promise<Person> {
  const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD, privateMetadata: { secret: canary('domain-person') } });
  const b = new FapiBrowser(t.url);
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect((reply.body.response as SignInJSON).status).toBe('complete');
  return { b, userId: user.id, email };
}

async function organizationOf(admin: Person): Promise<string> {
  const reply = await admin.b.call('POST', '/organizations', { name: `Domains ${++seq}` });
  expect(reply.status).toBe(200);
  return (reply.body.response as { id: string }).id;
}

async function domainSettings(enabled: boolean): Promise<void> {
  const reply = await t.request('PATCH', '/v1/instance/organization_settings', {
    body: { domains_enabled: enabled, domains_enrollment_modes: ['automatic_invitation', 'automatic_suggestion'], domains_default_role_id: 'org:member' },
  });
  expect(reply.status).toBe(200);
}

async function memberRoles(orgId: string): Promise<[string, string][]> {
  const body = (await t.request('GET', `/v1/organizations/${orgId}/memberships?limit=100`)).body as { data: { role: string; public_user_data: { user_id: string } }[] };
  return body.data.map((m) => [m.public_user_data.user_id, m.role]);
}

describe('organization domains', () => {
  it('are refused while the instance has them off, and listed empty', async () => {
    await domainSettings(false);
    const admin = await person();
    const orgId = await organizationOf(admin);
    const refused = await admin.b.call('POST', `/organizations/${orgId}/domains`, { name: 'off.example' });
    expect(refused.status).toBe(403);
    const listed = await admin.b.call('GET', `/organizations/${orgId}/domains?limit=10&offset=0`);
    expect(listed.body.response).toEqual({ data: [], total_count: 0 });
    const env = (await admin.b.call('GET', '/environment')).body as { organization_settings: { domains: { enabled: boolean } } };
    expect(env.organization_settings.domains.enabled).toBe(false);
    expect(admin.b.specFailures).toEqual([]);
  });

  it('verifies a domain with a code sent to an address at it, once across organizations; suggests it to people there, who ask to join', async () => {
    await domainSettings(true);
    const domain = `acme${++seq}.example`;
    const admin = await person(`admin@${domain}`);
    const orgId = await organizationOf(admin);
    const env = (await admin.b.call('GET', '/environment')).body as { organization_settings: { domains: unknown } };
    expect(env.organization_settings.domains).toEqual({ enabled: true, enrollment_modes: ['manual_invitation', 'automatic_invitation', 'automatic_suggestion'], default_role: 'org:member' });

    expect((await admin.b.call('POST', `/organizations/${orgId}/domains`, { name: 'gmail.com' })).body.errors?.[0]?.code).toBe('organization_domain_common');
    expect((await admin.b.call('POST', `/organizations/${orgId}/domains`, { name: 'not a domain' })).status).toBe(422);
    const created = await admin.b.call('POST', `/organizations/${orgId}/domains`, { name: domain.toUpperCase() });
    expect(created.status).toBe(200);
    const added = created.body.response as DomainJSON;
    expect(added).toMatchObject({ name: domain, enrollment_mode: 'manual_invitation', verification: null });
    expect((await admin.b.call('POST', `/organizations/${orgId}/domains`, { name: domain })).body.errors?.[0]?.code).toBe('duplicate_record');
    // An automatic mode needs the domain verified first.
    expect((await admin.b.call('POST', `/organizations/${orgId}/domains/${added.id}/update_enrollment_mode`, { enrollment_mode: 'automatic_suggestion' })).status).toBe(422);

    const elsewhere = await admin.b.call('POST', `/organizations/${orgId}/domains/${added.id}/prepare_affiliation_verification`, { affiliation_email_address: 'someone@other.example' });
    expect(elsewhere.status).toBe(422);
    const since = Date.now();
    const prepared = await admin.b.call('POST', `/organizations/${orgId}/domains/${added.id}/prepare_affiliation_verification`, { affiliation_email_address: `it@${domain}` });
    expect(prepared.status).toBe(200);
    expect(prepared.body.response).toMatchObject({ affiliation_email_address: `it@${domain}`, verification: { status: 'unverified', strategy: 'email_code' } });
    const code = await latestCode(t.url, `it@${domain}`, since);
    const wrong = await admin.b.call('POST', `/organizations/${orgId}/domains/${added.id}/attempt_affiliation_verification`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body.errors?.[0]?.code).toBe('form_code_incorrect');
    const verified = await admin.b.call('POST', `/organizations/${orgId}/domains/${added.id}/attempt_affiliation_verification`, { code });
    expect(verified.status).toBe(200);
    expect(verified.body.response).toMatchObject({ verification: { status: 'verified', strategy: 'email_code' } });

    // Another organization cannot claim the verified domain, even through the Backend API.
    const rivalAdmin = await person();
    const rivalOrg = await organizationOf(rivalAdmin);
    const claimed = await t.request('POST', `/v1/organizations/${rivalOrg}/domains`, { body: { name: domain } });
    expect(claimed.status).toBe(422);
    expect((claimed.body as { errors: { code: string }[] }).errors[0]?.code).toBe('form_identifier_exists');

    const suggesting = await admin.b.call('POST', `/organizations/${orgId}/domains/${added.id}/update_enrollment_mode`, { enrollment_mode: 'automatic_suggestion' });
    expect(suggesting.body.response).toMatchObject({ enrollment_mode: 'automatic_suggestion' });

    // Someone with a verified address at the domain is suggested the organization...
    const colleague = await person(`colleague${seq}@${domain}`);
    const outsider = await person();
    const suggestions = await colleague.b.call('GET', '/me/organization_suggestions?status=pending&status=accepted&limit=10&offset=0');
    const offered = (suggestions.body.response as { data: { id: string; status: string; public_organization_data: { id: string } }[] }).data;
    expect(offered.map((s) => [s.public_organization_data.id, s.status])).toEqual([[orgId, 'pending']]);
    expect((await outsider.b.call('GET', '/me/organization_suggestions')).body.response).toEqual({ data: [], total_count: 0 });
    expect((await outsider.b.call('POST', `/me/organization_suggestions/${offered[0]!.id}/accept`)).status).toBe(404);
    const listedDomain = ((await admin.b.call('GET', `/organizations/${orgId}/domains`)).body.response as { data: DomainJSON[] }).data[0];
    expect(listedDomain?.total_pending_suggestions).toBe(1);

    // ...accepting asks to join; an admin accepts the request and they are a member.
    const accepted = await colleague.b.call('POST', `/me/organization_suggestions/${offered[0]!.id}/accept`);
    expect(accepted.body.response).toMatchObject({ status: 'accepted' });
    const requests = await admin.b.call('GET', `/organizations/${orgId}/membership_requests?status=pending`);
    const pending = (requests.body.response as { data: { id: string; public_user_data: { user_id: string } }[] }).data;
    expect(pending.map((r) => r.public_user_data.user_id)).toEqual([colleague.userId]);
    const answered = await admin.b.call('POST', `/organizations/${orgId}/membership_requests/${pending[0]!.id}/accept`);
    expect(answered.body.response).toMatchObject({ status: 'accepted' });
    expect(await memberRoles(orgId)).toContainEqual([colleague.userId, 'org:member']);
    const requestEvents = (await t.request('GET', `/v1/audit_events?organization_id=${orgId}&type=organizationMembershipRequest.created&type=organizationMembershipRequest.accepted`)).body as {
      data: { type: string; actor: { id: string } }[];
    };
    expect(requestEvents.data.map((e) => [e.type, e.actor.id])).toEqual([
      ['organizationMembershipRequest.accepted', admin.userId],
      ['organizationMembershipRequest.created', colleague.userId],
    ]);
    expect((await admin.b.call('POST', `/organizations/${orgId}/membership_requests/${pending[0]!.id}/reject`)).body.errors?.[0]?.code).toBe('invitation_not_pending');
    // The new member (org:member) may not read or change the domains.
    expect((await colleague.b.call('GET', `/organizations/${orgId}/domains`)).body.errors?.[0]?.code).toBe('missing_permission');

    const events = (await t.request('GET', `/v1/audit_events?organization_id=${orgId}&type=organizationDomain.updated`)).body as { data: { actor: { id: string } }[] };
    expect(events.data.length).toBeGreaterThanOrEqual(2);
    expect(events.data.every((e) => e.actor.id === admin.userId)).toBe(true);
    for (const p of [admin, colleague, outsider]) expect(p.b.specFailures).toEqual([]);
  });

  it('invites people at an automatic-invitation domain without mail; they accept from their list', async () => {
    await domainSettings(true);
    const domain = `initech${++seq}.example`;
    const admin = await person();
    const orgId = await organizationOf(admin);
    const created = await t.request('POST', `/v1/organizations/${orgId}/domains`, { body: { name: domain, enrollment_mode: 'automatic_invitation' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: domain, enrollment_mode: 'automatic_invitation', verification: { status: 'verified', strategy: 'admin' } });

    const since = Date.now();
    const employee = await person(`peter${seq}@${domain}`);
    const listed = await employee.b.call('GET', '/me/organization_invitations?status=pending');
    const invitations = (listed.body.response as { data: { id: string; role: string; public_organization_data: { id: string } }[] }).data;
    expect(invitations.map((i) => [i.public_organization_data.id, i.role])).toEqual([[orgId, 'org:member']]);
    // Looking again makes no second invitation.
    expect(((await employee.b.call('GET', '/me/organization_invitations?status=pending')).body.response as { total_count: number }).total_count).toBe(1);
    const inbox = (await (await fetch(`${t.url}/dev/inbox`)).json()) as { data: { to: string; created_at: number }[] };
    expect(inbox.data.filter((m) => m.to === employee.email && m.created_at >= since)).toEqual([]);

    const accepted = await employee.b.call('POST', `/me/organization_invitations/${invitations[0]!.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(await memberRoles(orgId)).toContainEqual([employee.userId, 'org:member']);

    // Switching the domain back to manual with delete_pending withdraws the invitations it made.
    const later = await person(`michael${seq}@${domain}`);
    await later.b.call('GET', '/me/organization_invitations');
    const manual = await admin.b.call('POST', `/organizations/${orgId}/domains/${(created.body as { id: string }).id}/update_enrollment_mode`, { enrollment_mode: 'manual_invitation', delete_pending: 'true' });
    expect(manual.status).toBe(200);
    expect(((await later.b.call('GET', '/me/organization_invitations?status=pending')).body.response as { total_count: number }).total_count).toBe(0);

    // The Backend API finds, unverifies and deletes domains.
    const found = (await t.request('GET', `/v1/organization_domains?domains=${domain}`)).body as { data: { id: string }[]; total_count: number };
    expect(found.total_count).toBe(1);
    const unverified = await t.request('PATCH', `/v1/organizations/${orgId}/domains/${found.data[0]!.id}`, { body: { verified: false } });
    expect(unverified.body).toMatchObject({ verification: null, enrollment_mode: 'manual_invitation' });
    expect((await t.request('DELETE', `/v1/organizations/${orgId}/domains/${found.data[0]!.id}`)).body).toMatchObject({ object: 'organization_domain', deleted: true });
    expect((await t.request('GET', `/v1/organization_domains?domains=${domain}`)).body).toMatchObject({ total_count: 0 });
    for (const p of [admin, employee, later]) expect(p.b.specFailures).toEqual([]);
  });
});
