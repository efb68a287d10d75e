import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type ClientJSON, type SessionJSON, type SignInJSON } from '../support/fapi-client.js';
import { latestLink } from '../support/inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { webhookDataErrors } from '../support/webhook-spec.js';

/**
 * Invitations redeemed from the browser (the `ticket` strategy): the emailed link, sign-up by an
 * instance or organization invitation, sign-in by an organization invitation, and every way a
 * ticket must fail — used, revoked, expired, the wrong address, a full organization, a banned
 * user, two redemptions racing — each leaving nothing half-made.
 */
let t: TestServer;
let seq = 0;
let adminId = '';

const PASSWORD = 'an invited person picks this 41';

beforeAll(async () => {
  t = await startTestServer();
  adminId = (await t.clerk.users.createUser({ emailAddress: ['admin@tickets.test'], password: PASSWORD })).id;
});

afterAll(async () => {
  await t?.close();
});

interface SignUpJSON {
  id: string;
  status: string;
  email_address: string | null;
  missing_fields: string[];
  unverified_fields: string[];
  verifications: { email_address: { status: string; strategy: string } | null };
  created_user_id: string | null;
  created_session_id: string | null;
}

function address(tag: string): string {
  return `${tag}${++seq}.${Date.now()}@tickets.test`;
}

async function organization(name: string, maxAllowedMemberships = 0): Promise<string> {
  return (await t.clerk.organizations.createOrganization({ name: `${name} ${++seq}`, createdBy: adminId, maxAllowedMemberships })).id;
}

/** Invites `email` to the organization and returns the ticket from the link mailed to them. */
async function inviteToOrganization(organizationId: string, email: string, extra: { redirectUrl?: string; publicMetadata?: Record<string, unknown> } = {}): Promise<{ id: string; ticket: string; link: string }> {
  const since = Date.now();
  const invitation = await t.clerk.organizations.createOrganizationInvitation({ organizationId, emailAddress: email, role: 'org:member', inviterUserId: adminId, ...extra });
  const link = await latestLink(t.url, email, since, 'invitation');
  return { id: invitation.id, ticket: new URL(link).searchParams.get('ticket') ?? '', link };
}

async function follow(link: string): Promise<URL> {
  const reply = await fetch(link, { redirect: 'manual' });
  expect(reply.status).toBe(303);
  return new URL(reply.headers.get('location') ?? '');
}

async function membershipsOf(userId: string): Promise<{ organizationId: string; role: string }[]> {
  const list = await t.clerk.users.getOrganizationMembershipList({ userId });
  return list.data.map((m) => ({ organizationId: m.organization.id, role: m.role }));
}

async function organizationInvitationStatus(organizationId: string, invitationId: string): Promise<string> {
  return (await t.clerk.organizations.getOrganizationInvitation({ organizationId, invitationId })).status ?? '';
}

function expectError(reply: { status: number; body: { errors?: { code: string }[] } }, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body.errors?.[0]?.code }).toEqual({ status, code });
}

describe('an organization invitation, accepted by someone new', () => {
  it('mails a link that leads to sign-up with the ticket; signing up verifies the address, joins the organization and makes it active', async () => {
    const orgId = await organization('Newcomers');
    const email = address('newcomer');
    const { id: invitationId, ticket, link } = await inviteToOrganization(orgId, email, { publicMetadata: { team: 'blue' } });
    expect(new URL(link).pathname).toBe('/fapi/v1/tickets/accept');

    const landing = await follow(link);
    expect(`${landing.origin}${landing.pathname}`).toBe(`${t.url}/sign-up`);
    expect(landing.searchParams.get('__clerk_ticket')).toBe(ticket);
    expect(landing.searchParams.get('__clerk_status')).toBe('sign_up');

    // As Clerk's <SignUp/> does: create with the ticket, then send the password with it again.
    const b = new FapiBrowser(t.url);
    const created = await b.call('POST', '/client/sign_ups', { strategy: 'ticket', ticket });
    expect(created.status).toBe(200);
    const attempt = created.body.response as SignUpJSON;
    expect(attempt).toMatchObject({ status: 'missing_requirements', email_address: email, missing_fields: ['password'], unverified_fields: [] });
    expect(attempt.verifications.email_address).toMatchObject({ status: 'verified', strategy: 'ticket' });

    const done = await b.call('PATCH', `/client/sign_ups/${attempt.id}`, { strategy: 'ticket', ticket, password: PASSWORD });
    expect(done.status).toBe(200);
    const complete = done.body.response as SignUpJSON;
    expect(complete.status).toBe('complete');

    const user = await t.clerk.users.getUser(complete.created_user_id!);
    expect(user.emailAddresses.map((e) => [e.emailAddress, e.verification?.status])).toEqual([[email, 'verified']]);
    expect(await membershipsOf(user.id)).toEqual([{ organizationId: orgId, role: 'org:member' }]);
    const membership = (await t.clerk.organizations.getOrganizationMembershipList({ organizationId: orgId, userId: [user.id] })).data[0];
    expect(membership?.publicMetadata).toEqual({ team: 'blue' });
    expect(await organizationInvitationStatus(orgId, invitationId)).toBe('accepted');

    const session = (done.body.client as ClientJSON).sessions.find((s) => s.id === complete.created_session_id) as SessionJSON;
    expect(session.last_active_organization_id).toBe(orgId);
    const token = await b.call('POST', `/client/sessions/${session.id}/tokens`);
    expect((decodeJwt(token.body.jwt ?? '') as { o?: { id: string } }).o?.id).toBe(orgId);

    const accepted = await t.server.store.db.selectFrom('events').select(['type', 'data']).where('type', '=', 'organizationInvitation.accepted').execute();
    const event = accepted.map((e) => (typeof e.data === 'string' ? JSON.parse(e.data) : e.data) as { id: string; user_id: string }).find((d) => d.id === invitationId);
    expect(event).toMatchObject({ id: invitationId, user_id: user.id, status: 'accepted' });
    expect(webhookDataErrors('organizationInvitation.accepted', event)).toEqual([]);

    // The ticket is spent: its link now lands on plain sign-up, and it starts nothing.
    const again = await follow(link);
    expect(again.searchParams.get('__clerk_ticket')).toBeNull();
    expectError(await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'ticket', ticket }), 422, 'ticket_invalid');
    expect([...b.specFailures]).toEqual([]);
  });

  it('completes once when two browsers redeem one ticket at the same time', async () => {
    const orgId = await organization('Racers');
    const email = address('racer');
    const { ticket } = await inviteToOrganization(orgId, email);
    const browsers = [new FapiBrowser(t.url), new FapiBrowser(t.url), new FapiBrowser(t.url)];
    const attempts = await Promise.all(browsers.map(async (b) => (await b.call('POST', '/client/sign_ups', { strategy: 'ticket', ticket })).body.response as SignUpJSON));
    const replies = await Promise.all(browsers.map((b, i) => b.call('PATCH', `/client/sign_ups/${attempts[i]!.id}`, { password: PASSWORD })));
    expect(replies.filter((r) => r.status === 200 && (r.body.response as SignUpJSON).status === 'complete')).toHaveLength(1);
    const users = (await t.clerk.users.getUserList({ emailAddress: [email] })).data;
    expect(users).toHaveLength(1);
    expect((await t.clerk.organizations.getOrganizationMembershipList({ organizationId: orgId })).data.map((m) => m.publicUserData?.userId).sort()).toEqual([adminId, users[0]!.id].sort());
  });

  it('refuses another address beside the ticket, and a revoked or expired invitation', async () => {
    const orgId = await organization('Refusals');
    const email = address('refused');
    const { ticket } = await inviteToOrganization(orgId, email);
    const other = await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'ticket', ticket, email_address: address('someone-else') });
    expectError(other, 422, 'form_param_value_invalid');
    expectError(await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'email_code', email_address: email }), 422, 'form_param_value_invalid');

    const revoked = await inviteToOrganization(orgId, address('revoked'));
    await t.clerk.organizations.revokeOrganizationInvitation({ organizationId: orgId, invitationId: revoked.id });
    expectError(await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'ticket', ticket: revoked.ticket }), 422, 'ticket_invalid');
    expect((await follow(revoked.link)).searchParams.get('__clerk_status')).toBeNull();

    // Expired between sign-up start and completion: nothing is created.
    const lapsing = await inviteToOrganization(orgId, address('lapsing'));
    const b = new FapiBrowser(t.url);
    const attempt = (await b.call('POST', '/client/sign_ups', { strategy: 'ticket', ticket: lapsing.ticket })).body.response as SignUpJSON;
    await t.server.store.db.updateTable('organization_invitations').set({ expires_at: Date.now() - 1 }).where('id', '=', lapsing.id).execute();
    expectError(await b.call('PATCH', `/client/sign_ups/${attempt.id}`, { password: PASSWORD }), 422, 'ticket_invalid');
    expect((await t.clerk.users.getUserList({ emailAddress: [attempt.email_address!] })).data).toEqual([]);
  });

  it('creates no user when the organization filled up after the invitation was sent', async () => {
    const orgId = await organization('Full house', 2);
    const email = address('late');
    const { ticket, id } = await inviteToOrganization(orgId, email);
    const b = new FapiBrowser(t.url);
    const attempt = (await b.call('POST', '/client/sign_ups', { strategy: 'ticket', ticket })).body.response as SignUpJSON;
    await t.clerk.organizations.updateOrganization(orgId, { maxAllowedMemberships: 1 });
    expectError(await b.call('PATCH', `/client/sign_ups/${attempt.id}`, { password: PASSWORD }), 403, 'organization_membership_quota_exceeded');
    expect((await t.clerk.users.getUserList({ emailAddress: [email] })).data).toEqual([]);
    expect(await organizationInvitationStatus(orgId, id)).toBe('pending');
  });
});

describe('an organization invitation, accepted by someone with an account', () => {
  it('leads to sign-in, which the ticket alone completes, joining the organization', async () => {
    const email = address('member');
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const orgId = await organization('Existing');
    const { id: invitationId, ticket, link } = await inviteToOrganization(orgId, email, { redirectUrl: `${t.url}/sign-in?from=invite` });

    const landing = await follow(link);
    expect(`${landing.origin}${landing.pathname}`).toBe(`${t.url}/sign-in`);
    expect(landing.searchParams.get('from')).toBe('invite');
    expect(landing.searchParams.get('__clerk_status')).toBe('sign_in');

    const b = new FapiBrowser(t.url);
    const reply = await b.call('POST', '/client/sign_ins', { strategy: 'ticket', ticket });
    expect(reply.status).toBe(200);
    const signIn = reply.body.response as SignInJSON;
    expect(signIn).toMatchObject({ status: 'complete', identifier: email });
    expect(signIn.first_factor_verification).toMatchObject({ status: 'verified', strategy: 'ticket' });
    const session = await t.clerk.sessions.getSession(signIn.created_session_id!);
    expect(session).toMatchObject({ userId: user.id, status: 'active', lastActiveOrganizationId: orgId });
    expect(await membershipsOf(user.id)).toEqual([{ organizationId: orgId, role: 'org:member' }]);
    expect(await organizationInvitationStatus(orgId, invitationId)).toBe('accepted');
    expectError(await new FapiBrowser(t.url).call('POST', '/client/sign_ins', { strategy: 'ticket', ticket }), 422, 'ticket_invalid');
    expect([...b.specFailures]).toEqual([]);
  });

  it('gives a banned user no session and leaves the invitation pending', async () => {
    const email = address('banned');
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const orgId = await organization('Banned');
    const { id, ticket } = await inviteToOrganization(orgId, email);
    await t.clerk.users.banUser(user.id);
    expectError(await new FapiBrowser(t.url).call('POST', '/client/sign_ins', { strategy: 'ticket', ticket }), 403, 'user_banned');
    expect((await t.clerk.sessions.getSessionList({ userId: user.id })).data).toEqual([]);
    expect(await membershipsOf(user.id)).toEqual([]);
    expect(await organizationInvitationStatus(orgId, id)).toBe('pending');
  });
});

describe('an instance invitation', () => {
  it('lets the invitee sign up while sign-ups are restricted, with the invitation’s metadata; it cannot sign anyone in', async () => {
    await t.request('PATCH', '/v1/instance/user_settings', { body: { sign_up: { mode: 'restricted', legal_consent_enabled: false } } });
    try {
      const email = address('invitee');
      const since = Date.now();
      const invitation = await t.clerk.invitations.createInvitation({ emailAddress: email, publicMetadata: { plan: 'beta' } });
      const link = await latestLink(t.url, email, since, 'invitation');
      const ticket = new URL(link).searchParams.get('ticket') ?? '';
      expect((await follow(link)).searchParams.get('__clerk_status')).toBe('sign_up');
      expectError(await new FapiBrowser(t.url).call('POST', '/client/sign_ins', { strategy: 'ticket', ticket }), 422, 'ticket_invalid');
      expectError(await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { email_address: address('uninvited'), password: PASSWORD }), 403, 'sign_up_restricted');

      const b = new FapiBrowser(t.url);
      const done = await b.call('POST', '/client/sign_ups', { strategy: 'ticket', ticket, password: PASSWORD });
      const complete = done.body.response as SignUpJSON;
      expect(complete.status).toBe('complete');
      const user = await t.clerk.users.getUser(complete.created_user_id!);
      expect(user.publicMetadata).toEqual({ plan: 'beta' });
      expect((await t.clerk.invitations.getInvitationList({ status: 'accepted' })).data.map((i) => i.id)).toContain(invitation.id);
      expect((await t.clerk.sessions.getSession(complete.created_session_id!)).lastActiveOrganizationId).toBeNull();
      expect([...b.specFailures]).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { sign_up: { mode: 'public', legal_consent_enabled: false } } });
    }
  });

  it('is not mailed when created with notify: false', async () => {
    const email = address('quiet');
    await t.clerk.invitations.createInvitation({ emailAddress: email, notify: false });
    // Mail is queued in the invitation's own transaction, so the outbox already says.
    expect(await t.server.store.db.selectFrom('email_outbox').select('id').where('to_address', '=', email).execute()).toEqual([]);
  });
});
