import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, fapiSpecFailure, type SessionJSON, type SignInJSON } from '../support/fapi-client.js';
import { latestLink } from '../support/inbox.js';
import { canary } from '../support/leak-canary.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { Receiver } from '../support/webhook-receiver.js';

/**
 * Organizations from the browser, as clerk-js's `Organization`, `OrganizationMembership` and
 * `UserOrganizationInvitation` resources call them: each action checked against the caller's role,
 * with the outcome read back through the Backend API.
 */
let t: TestServer;
let seq = 0;
const PASSWORD = 'correct horse battery staple 42';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const receiver = new Receiver();
let receiverPort = 0;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: '1' });
  receiverPort = await receiver.listen();
});

afterAll(async () => {
  await t?.close();
  await receiver.close();
});

interface Person {
  b: FapiBrowser;
  userId: string;
  sessionId: string;
  email: string;
}

interface OrganizationJSON {
  id: string;
  name: string;
  slug: string;
  members_count?: number;
  pending_invitations_count?: number;
  has_image: boolean;
  image_url: string;
  [field: string]: unknown;
}

interface MembershipJSON {
  id: string;
  role: string;
  permissions: string[];
  organization: OrganizationJSON;
  public_user_data: { user_id: string; identifier: string };
}

interface InvitationJSON {
  id: string;
  email_address: string;
  role: string;
  status: string;
  url: string | null;
  public_organization_data?: { id: string; name: string };
}

async function person(options: { createOrganizationsLimit?: number; createOrganizationEnabled?: boolean } = {}): Promise<Person> {
  const email = `org${++seq}.${Date.now()}@orgs.test`;
  const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD, privateMetadata: { secret: canary('user') } });
  if (options.createOrganizationsLimit !== undefined || options.createOrganizationEnabled !== undefined) {
    const patch = { create_organizations_limit: options.createOrganizationsLimit, create_organization_enabled: options.createOrganizationEnabled };
    expect((await t.request('PATCH', `/v1/users/${user.id}`, { body: patch })).status).toBe(200);
  }
  const b = new FapiBrowser(t.url);
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect(reply.status).toBe(200);
  return { b, userId: user.id, sessionId: (reply.body.response as SignInJSON).created_session_id!, email };
}

async function createOrganization(p: Person, name = `Acme ${seq}`): Promise<OrganizationJSON> {
  const reply = await p.b.call('POST', `/organizations?_clerk_session_id=${p.sessionId}`, { name });
  expect(reply.status).toBe(200);
  const org = reply.body.response as OrganizationJSON;
  await t.request('PATCH', `/v1/organizations/${org.id}/metadata`, { body: { private_metadata: { secret: canary('organization') } } });
  return org;
}

async function addMember(orgId: string, userId: string, role = 'org:member'): Promise<void> {
  const reply = await t.request('POST', `/v1/organizations/${orgId}/memberships`, { body: { user_id: userId, role, private_metadata: { secret: canary('membership') } } });
  expect(reply.status).toBe(200);
}

async function sessionToken(p: Person): Promise<Record<string, unknown>> {
  const reply = await p.b.call('POST', `/client/sessions/${p.sessionId}/tokens`);
  expect(reply.status).toBe(200);
  return decodeJwt(reply.body.jwt as string);
}

async function bapiMemberships(orgId: string): Promise<{ role: string; public_user_data: { user_id: string } }[]> {
  return ((await t.request('GET', `/v1/organizations/${orgId}/memberships?limit=100`)).body as { data: { role: string; public_user_data: { user_id: string } }[] }).data;
}

describe('organizations from the browser', () => {
  it('creates an organization with the creator as admin; switching to it puts it in the next token', async () => {
    const ada = await person();
    const org = await createOrganization(ada, 'Analytical Engines');
    expect(org).toMatchObject({ name: 'Analytical Engines', slug: 'analytical-engines' });
    expect(org).not.toHaveProperty('private_metadata');
    expect(await bapiMemberships(org.id)).toEqual([expect.objectContaining({ role: 'org:admin', public_user_data: expect.objectContaining({ user_id: ada.userId }) })]);

    // clerk-js finds the active organization among the memberships the client's user carries.
    const client = await ada.b.call('GET', '/client');
    const memberships = (client.body.response as { sessions: (SessionJSON & { user: { organization_memberships: MembershipJSON[] } })[] }).sessions[0]!.user.organization_memberships;
    expect(memberships.map((m) => [m.organization.id, m.role])).toEqual([[org.id, 'org:admin']]);
    expect(memberships[0]!.permissions).toContain('org:sys_memberships:manage');

    const touched = await ada.b.call('POST', `/client/sessions/${ada.sessionId}/touch`, { active_organization_id: org.id });
    expect(touched.status).toBe(200);
    expect((touched.body.response as SessionJSON).last_active_organization_id).toBe(org.id);
    expect((await sessionToken(ada))['o']).toMatchObject({ id: org.id, rol: 'admin', slg: 'analytical-engines' });

    const audit = await t.request('GET', `/v1/audit_events?organization_id=${org.id}&type=organization.created`);
    expect((audit.body as { data: { actor: { type: string; id: string } }[] }).data[0]?.actor).toMatchObject({ type: 'user', id: ada.userId });
    expect(ada.b.specFailures).toEqual([]);
  });

  it('refuses to switch to an organization the user does not belong to', async () => {
    const ada = await person();
    const grace = await person();
    const org = await createOrganization(grace);
    const reply = await ada.b.call('POST', `/client/sessions/${ada.sessionId}/touch`, { active_organization_id: org.id });
    expect(reply.status).toBe(404);
    expect(reply.body.errors?.[0]?.code).toBe('organization_not_found_or_unauthorized');
    expect((await sessionToken(ada))['o']).toBeUndefined();
  });

  it('holds a user to their creation limit, also under parallel requests, and refuses when creation is off for them', async () => {
    const limited = await person({ createOrganizationsLimit: 2 });
    const replies = await Promise.all([1, 2, 3, 4].map((i) => limited.b.call('POST', `/organizations?_clerk_session_id=${limited.sessionId}`, { name: `Limited ${seq}-${i}` })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 403, 403]);
    expect(replies.find((r) => r.status === 403)?.body.errors?.[0]).toMatchObject({ code: 'organization_creation_limit_reached', meta: { limit: 2 } });
    const created = (await t.request('GET', `/v1/users/${limited.userId}/organization_memberships?limit=100`)).body as { total_count: number };
    expect(created.total_count).toBe(2);

    const barred = await person({ createOrganizationEnabled: false });
    const refused = await barred.b.call('POST', '/organizations', { name: 'Never' });
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.code).toBe('organization_creation_not_allowed');
  });

  it('lets an admin rename, give a logo, invite, change roles and remove members; a member reads but cannot manage', async () => {
    const admin = await person();
    const member = await person();
    const org = await createOrganization(admin);
    await addMember(org.id, member.userId);
    const at = (p: Person, path: string) => `/organizations/${org.id}${path}?_clerk_session_id=${p.sessionId}`;

    const renamed = await admin.b.call('PATCH', at(admin, ''), { name: 'Renamed', slug: `renamed-${seq}` });
    expect(renamed.status).toBe(200);
    expect(renamed.body.response).toMatchObject({ name: 'Renamed', slug: `renamed-${seq}` });
    const logo = await admin.b.upload('PUT', at(admin, '/logo'), { bytes: PNG, type: 'image/png', name: 'logo.png' });
    expect(logo.status).toBe(200);
    expect(logo.body.response).toMatchObject({ has_image: true });
    const image = await fetch((logo.body.response as OrganizationJSON).image_url);
    expect(image.headers.get('content-type')).toBe('image/png');

    // A member sees the organization and its members...
    const seen = await member.b.call('GET', at(member, ''));
    expect(seen.body.response).toMatchObject({ id: org.id, members_count: 2, pending_invitations_count: 0 });
    const listed = await member.b.call('GET', `${at(member, '/memberships')}&paginated=true&limit=10&offset=0`);
    expect(listed.status).toBe(200);
    expect((listed.body.response as { total_count: number }).total_count).toBe(2);
    // ...but holds none of the permissions to change it.
    for (const [method, path, body, permission] of [
      ['PATCH', '', { name: 'Hijacked' }, 'org:sys_profile:manage'],
      ['DELETE', '', {}, 'org:sys_profile:delete'],
      ['POST', '/invitations', { email_address: 'x@orgs.test', role: 'org:member' }, 'org:sys_memberships:manage'],
      ['PATCH', `/memberships/${admin.userId}`, { role: 'org:member' }, 'org:sys_memberships:manage'],
      ['DELETE', `/memberships/${admin.userId}`, {}, 'org:sys_memberships:manage'],
      ['DELETE', '/logo', {}, 'org:sys_profile:manage'],
    ] as const) {
      const refused = await member.b.call(method, at(member, path), body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.errors?.[0]).toMatchObject({ code: 'missing_permission', meta: { permission } });
    }
    expect((await t.request('GET', `/v1/organizations/${org.id}`)).body).toMatchObject({ name: 'Renamed', has_image: true });

    // The admin promotes the member, whose next token carries the new role.
    const promoted = await admin.b.call('PATCH', at(admin, `/memberships/${member.userId}`), { role: 'org:admin' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.response).toMatchObject({ role: 'org:admin' });
    await member.b.call('POST', `/client/sessions/${member.sessionId}/touch`, { active_organization_id: org.id });
    expect((await sessionToken(member))['o']).toMatchObject({ id: org.id, rol: 'admin' });
    const demoted = await admin.b.call('PATCH', at(admin, `/memberships/${member.userId}`), { role: 'org:member' });
    expect(demoted.status).toBe(200);
    expect((await sessionToken(member))['o']).toMatchObject({ id: org.id, rol: 'member' });

    const removed = await admin.b.call('DELETE', at(admin, `/memberships/${member.userId}`));
    expect(removed.status).toBe(200);
    expect((await bapiMemberships(org.id)).map((m) => m.public_user_data.user_id)).toEqual([admin.userId]);
    // Removed, the former member's next token no longer carries the organization.
    expect((await sessionToken(member))['o']).toBeUndefined();
    expect(admin.b.specFailures).toEqual([]);
    expect(member.b.specFailures).toEqual([]);
  });

  it('sends invitations by email in the admin’s name; the invitee sees and accepts theirs and becomes a member', async () => {
    const admin = await person();
    const invitee = await person();
    const stranger = await person();
    const org = await createOrganization(admin);
    const since = Date.now();
    const bulk = await admin.b.call('POST', `/organizations/${org.id}/invitations/bulk?_clerk_session_id=${admin.sessionId}`, {
      email_address: [invitee.email, `nobody.${seq}@orgs.test`],
      role: 'org:member',
    });
    expect(bulk.status).toBe(200);
    const sent = bulk.body.response as InvitationJSON[];
    expect(sent.map((i) => [i.email_address, i.status, i.url])).toEqual([
      [invitee.email, 'pending', null],
      [`nobody.${seq}@orgs.test`, 'pending', null],
    ]);
    expect(await latestLink(t.url, invitee.email, since, 'invitation')).toMatch(/\/fapi\/v1\/tickets\/accept\?ticket=/);
    const stored = (await t.request('GET', `/v1/organizations/${org.id}/invitations?status=pending`)).body as { data: { email_address: string; inviter_id: string | null }[] };
    expect(stored.data.map((i) => i.inviter_id)).toEqual([admin.userId, admin.userId]);

    const pending = await admin.b.call('GET', `/organizations/${org.id}/invitations?status=pending&paginated=true`);
    expect((pending.body.response as { total_count: number }).total_count).toBe(2);

    const mine = await invitee.b.call('GET', '/me/organization_invitations?status=pending&paginated=true');
    const offered = (mine.body.response as { data: InvitationJSON[] }).data;
    expect(offered.map((i) => [i.id, i.public_organization_data?.name])).toEqual([[sent[0]!.id, org.name]]);

    // Someone else cannot accept it, and cannot tell it exists.
    const theft = await stranger.b.call('POST', `/me/organization_invitations/${sent[0]!.id}/accept`);
    expect(theft.status).toBe(404);

    const accepted = await invitee.b.call('POST', `/me/organization_invitations/${sent[0]!.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.response).toMatchObject({ status: 'accepted', public_organization_data: { id: org.id } });
    expect((await bapiMemberships(org.id)).map((m) => [m.public_user_data.user_id, m.role])).toContainEqual([invitee.userId, 'org:member']);
    const again = await invitee.b.call('POST', `/me/organization_invitations/${sent[0]!.id}/accept`);
    expect(again.status).toBe(400);
    expect(again.body.errors?.[0]?.code).toBe('invitation_not_pending');

    const memberships = await invitee.b.call('GET', '/me/organization_memberships?paginated=true&limit=10&offset=0');
    expect((memberships.body.response as { data: MembershipJSON[] }).data.map((m) => m.organization.id)).toEqual([org.id]);

    const revoked = await admin.b.call('POST', `/organizations/${org.id}/invitations/${sent[1]!.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.response).toMatchObject({ status: 'revoked' });
    for (const p of [admin, invitee, stranger]) expect(p.b.specFailures).toEqual([]);
  });

  it('lets the invitee decline an invitation: it is revoked, its emailed ticket stops working, and nobody else can decline it', async () => {
    const admin = await person();
    const invitee = await person();
    const stranger = await person();
    const org = await createOrganization(admin);
    const since = Date.now();
    const created = await admin.b.call('POST', `/organizations/${org.id}/invitations`, { email_address: invitee.email, role: 'org:member' });
    expect(created.status).toBe(200);
    const invitation = created.body.response as InvitationJSON;
    const link = await latestLink(t.url, invitee.email, since, 'invitation');

    const theft = await stranger.b.call('POST', `/me/organization_invitations/${invitation.id}/decline`);
    expect(theft.status).toBe(404);
    const declined = await invitee.b.call('POST', `/me/organization_invitations/${invitation.id}/decline`);
    expect(declined.status).toBe(200);
    expect(declined.body.response).toMatchObject({ object: 'organization_invitation', status: 'revoked', public_organization_data: { id: org.id } });
    const again = await invitee.b.call('POST', `/me/organization_invitations/${invitation.id}/accept`);
    expect(again.body.errors?.[0]?.code).toBe('invitation_not_pending');

    const stored = (await t.request('GET', `/v1/organizations/${org.id}/invitations/${invitation.id}`)).body as { status: string };
    expect(stored.status).toBe('revoked');
    expect((await bapiMemberships(org.id)).map((m) => m.public_user_data.user_id)).toEqual([admin.userId]);
    const opened = await fetch(link, { redirect: 'manual' });
    expect(opened.headers.get('location') ?? '').not.toContain('__clerk_ticket');
    const ticket = new URL(link).searchParams.get('ticket')!;
    const signUp = await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'ticket', ticket });
    expect(signUp.body.errors?.[0]?.code).toBe('ticket_invalid');
    const audit = (await t.request('GET', `/v1/audit_events?type=organizationInvitation.revoked&limit=20`)).body as { data: { actor: { id: string | null } | null; data: { id: string } }[] };
    expect(audit.data.find((e) => e.data.id === invitation.id)?.actor?.id).toBe(invitee.userId);
    // Declining is Gatehouse's own: its reply is the one Clerk's spec gives accepting.
    expect(fapiSpecFailure('POST', `/v1/me/organization_invitations/${invitation.id}/accept`, 200, declined.body)).toBeUndefined();
    const extension = (f: string) => f.endsWith('/decline: no operation in the FAPI spec');
    for (const p of [admin, invitee, stranger]) expect(p.b.specFailures.filter((f) => !extension(f))).toEqual([]);
  });

  it('lets a member leave, but never the last one able to manage it; deletes only where the organization allows it', async () => {
    const admin = await person();
    const member = await person();
    const org = await createOrganization(admin);
    await addMember(org.id, member.userId);

    const stuck = await admin.b.call('DELETE', `/me/organization_memberships/${org.id}`);
    expect(stuck.status).toBe(403);
    expect(stuck.body.errors?.[0]?.code).toBe('organization_minimum_permissions_needed');
    const left = await member.b.call('DELETE', `/me/organization_memberships/${org.id}`);
    expect(left.status).toBe(200);
    expect(left.body.response).toMatchObject({ object: 'organization_membership', deleted: true });
    expect((await bapiMemberships(org.id)).map((m) => m.public_user_data.user_id)).toEqual([admin.userId]);

    await t.request('PATCH', `/v1/organizations/${org.id}`, { body: { admin_delete_enabled: false } });
    const kept = await admin.b.call('DELETE', `/organizations/${org.id}`);
    expect(kept.status).toBe(403);
    await t.request('PATCH', `/v1/organizations/${org.id}`, { body: { admin_delete_enabled: true } });
    const deleted = await admin.b.call('DELETE', `/organizations/${org.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.response).toMatchObject({ object: 'organization', id: org.id, deleted: true });
    expect((await t.request('GET', `/v1/organizations/${org.id}`)).status).toBe(404);
    expect(admin.b.specFailures).toEqual([]);
  });

  it('records every change made from the browser as the acting person’s, and delivers it by webhook', async () => {
    const endpoint = await t.request('POST', '/v1/webhook_endpoints', { body: { url: `http://127.0.0.1:${receiverPort}/browser`, events: ['organization.updated', 'organizationMembership.updated'] } });
    expect(endpoint.status).toBe(200);
    const admin = await person();
    const member = await person();
    const leaver = await person();
    const org = await createOrganization(admin);
    await addMember(org.id, member.userId);
    await addMember(org.id, leaver.userId);
    const at = `/organizations/${org.id}`;
    expect((await admin.b.call('PATCH', at, { name: 'Renamed by the admin' })).status).toBe(200);
    expect((await admin.b.upload('PUT', `${at}/logo`, { bytes: PNG, type: 'image/png', name: 'logo.png' })).status).toBe(200);
    expect((await admin.b.call('DELETE', `${at}/logo`)).status).toBe(200);
    const invited = await admin.b.call('POST', `${at}/invitations`, { email_address: `invited.${seq}@orgs.test`, role: 'org:member' });
    expect((await admin.b.call('POST', `${at}/invitations/${(invited.body.response as InvitationJSON).id}/revoke`)).status).toBe(200);
    expect((await admin.b.call('PATCH', `${at}/memberships/${member.userId}`, { role: 'org:admin' })).status).toBe(200);
    expect((await admin.b.call('DELETE', `${at}/memberships/${member.userId}`)).status).toBe(200);
    expect((await leaver.b.call('DELETE', `/me/organization_memberships/${org.id}`)).status).toBe(200);
    expect((await admin.b.call('DELETE', at)).status).toBe(200);

    const audit = (await t.request('GET', `/v1/audit_events?organization_id=${org.id}&limit=100`)).body as { data: { type: string; actor: { type: string; id: string | null } }[] };
    // (The test's own set-up went through the Backend API: those events are the key's.)
    const fromBrowser = audit.data.filter((e) => e.actor.type !== 'secret_key');
    const actorOf = (type: string) => [...new Set(fromBrowser.filter((e) => e.type === type).map((e) => e.actor.id))];
    expect(actorOf('organization.updated')).toEqual([admin.userId]);
    expect(actorOf('organizationInvitation.created')).toEqual([admin.userId]);
    expect(actorOf('organizationInvitation.revoked')).toEqual([admin.userId]);
    expect(actorOf('organizationMembership.updated')).toEqual([admin.userId]);
    expect(actorOf('organizationMembership.deleted').sort()).toEqual([admin.userId, leaver.userId].sort());
    expect(actorOf('organization.deleted')).toEqual([admin.userId]);
    expect(fromBrowser.filter((e) => e.type === 'organization.updated').length).toBeGreaterThanOrEqual(3);
    expect(fromBrowser.every((e) => e.actor.type === 'user')).toBe(true);

    // The organization's webhook subscribers hear of the browser's changes, signed as any other.
    const delivered = await waitFor('the browser-made changes delivered', () => {
      const types = receiver.delivered('/browser').map((r) => (JSON.parse(r.body) as { type: string; data: { id?: string; organization?: { id: string } } }));
      const ours = types.filter((e) => e.data.id === org.id || e.data.organization?.id === org.id);
      return ours.some((e) => e.type === 'organization.updated') && ours.some((e) => e.type === 'organizationMembership.updated') ? ours : undefined;
    });
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    expect(receiver.delivered('/browser').every((r) => r.headers['svix-signature']?.startsWith('v1,'))).toBe(true);
    for (const p of [admin, member, leaver]) expect(p.b.specFailures).toEqual([]);
  });

  it('keeps public metadata read-only from the browser, and creates no organization where the instance has them off', async () => {
    const admin = await person();
    const org = await createOrganization(admin);
    await t.request('PATCH', `/v1/organizations/${org.id}/metadata`, { body: { public_metadata: { plan: 'gold' } } });
    const patched = await admin.b.call('PATCH', `/organizations/${org.id}`, { name: 'Still gold', public_metadata: JSON.stringify({ plan: 'free' }) });
    expect(patched.status).toBe(200);
    expect(((await t.request('GET', `/v1/organizations/${org.id}`)).body as { name: string; public_metadata: unknown }).public_metadata).toEqual({ plan: 'gold' });

    expect((await t.request('PATCH', '/v1/instance/organization_settings', { body: { enabled: false } })).status).toBe(200);
    try {
      const env = await admin.b.call('GET', '/environment');
      expect((env.body['organization_settings'] as { enabled: boolean }).enabled).toBe(false);
      const refused = await admin.b.call('POST', '/organizations', { name: 'Not now' });
      expect([refused.status, refused.body.errors?.[0]?.code]).toEqual([403, 'organization_creation_not_allowed']);
    } finally {
      await t.request('PATCH', '/v1/instance/organization_settings', { body: { enabled: true } });
    }
    expect(admin.b.specFailures).toEqual([]);
  });

  it('shows nothing of an organization to someone outside it, whether or not it exists', async () => {
    const admin = await person();
    const outsider = await person();
    const org = await createOrganization(admin);
    const real = await outsider.b.call('GET', `/organizations/${org.id}`);
    const made_up = await outsider.b.call('GET', '/organizations/org_doesnotexist');
    expect([real.status, made_up.status]).toEqual([404, 404]);
    expect(real.body.errors).toEqual(made_up.body.errors);
    expect(real.body.errors?.[0]?.code).toBe('organization_not_found_or_unauthorized');
    const signedOut = await new FapiBrowser(t.url).call('GET', `/organizations/${org.id}`);
    expect(signedOut.status).toBe(401);
  });
});
