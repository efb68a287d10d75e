import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type ClientJSON, type FapiReply, type SignInJSON } from '../support/fapi-client.js';
import { latestCode, latestLink } from '../support/inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Races: the same one-time thing — a session's refresh, a sign-up's completion, an invitation, a
 * code, a ticket, a backup code — asked for many times at once, as a double click, a retrying
 * client or an attacker racing the victim would. Exactly one may win; the server's state shows one
 * user, one session, one membership, whatever the replies say.
 */
let t: TestServer;
let seq = 0;
const PASSWORD = 'correct horse battery staple 42';
const N = 12;
/** Code checks count toward the lockout before they run: races on codes stay below its limit (10). */
const CODE_RACERS = 8;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

const address = (tag: string) => `${tag}${++seq}.${Date.now()}@races.test`;
const errorCode = (reply: FapiReply) => reply.body.errors?.[0]?.code;

async function signedIn(email: string): Promise<{ b: FapiBrowser; sessionId: string }> {
  const b = new FapiBrowser(t.url);
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  const signIn = reply.body.response as SignInJSON;
  expect(signIn.status).toBe('complete');
  return { b, sessionId: signIn.created_session_id! };
}

async function sessionsOf(userId: string): Promise<number> {
  return (await t.server.store.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length;
}

async function usersWith(email: string): Promise<string[]> {
  return (await t.clerk.users.getUserList({ emailAddress: [email] })).data.map((u) => u.id);
}

describe('races on one-time things', () => {
  it('concurrent refreshes of one session all get a token for that session and start nothing new; after sign-out none does', async () => {
    const email = address('refresh');
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const { b, sessionId } = await signedIn(email);
    const replies = await Promise.all(Array.from({ length: N }, () => b.call('POST', `/client/sessions/${sessionId}/tokens`)));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    for (const r of replies) expect(decodeJwt((r.body as { jwt: string }).jwt)).toMatchObject({ sub: user.id, sid: sessionId });
    expect(await sessionsOf(user.id)).toBe(1);
    expect(((await b.call('GET', '/client')).body.response as ClientJSON).sessions).toHaveLength(1);

    await b.call('POST', `/client/sessions/${sessionId}/end`);
    const after = await Promise.all(Array.from({ length: N }, () => b.call('POST', `/client/sessions/${sessionId}/tokens`)));
    expect(after.filter((r) => r.status === 200)).toEqual([]);
  });

  it('a sign-up verified by the same code many times at once becomes exactly one user with one session', async () => {
    const email = address('signup');
    const b = new FapiBrowser(t.url);
    const created = (await b.call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD })).body.response as { id: string };
    const since = Date.now();
    await b.call('POST', `/client/sign_ups/${created.id}/prepare_verification`, { strategy: 'email_code' });
    const code = await latestCode(t.url, email, since);
    const replies = await Promise.all(Array.from({ length: CODE_RACERS }, () => b.call('POST', `/client/sign_ups/${created.id}/attempt_verification`, { strategy: 'email_code', code })));
    expect(replies.some((r) => (r.body.response as { status?: string } | undefined)?.status === 'complete')).toBe(true);
    // The losers are told the code is spent or the attempt done, or no longer find it: completing gives the browser a new client token.
    const loserCodes = ['verification_failed', 'verification_already_verified', 'sign_in_step_invalid', 'resource_not_found'];
    for (const r of replies) expect(r.status === 200 || loserCodes.includes(errorCode(r) ?? ''), JSON.stringify(r.body)).toBe(true);
    const users = await usersWith(email);
    expect(users).toHaveLength(1);
    expect(await sessionsOf(users[0]!)).toBe(1);
  });

  it('an emailed sign-in code used many times at once signs in once', async () => {
    const email = address('code');
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const b = new FapiBrowser(t.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    const since = Date.now();
    await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_code' });
    const code = await latestCode(t.url, email, since);
    const replies = await Promise.all(Array.from({ length: CODE_RACERS }, () => b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'email_code', code })));
    expect(replies.filter((r) => (r.body.response as SignInJSON | undefined)?.status === 'complete').length).toBeGreaterThanOrEqual(1);
    expect(await sessionsOf(user.id)).toBe(1);
    // The losers compared no secret: the account is not any closer to a lock.
    expect((await t.request('GET', `/v1/users/${user.id}`)).body).toMatchObject({ locked: false });
  });

  it('an organization invitation accepted many times at once joins once', async () => {
    const admin = await t.clerk.users.createUser({ emailAddress: [address('admin')], password: PASSWORD });
    const org = await t.clerk.organizations.createOrganization({ name: `Race ${++seq}`, createdBy: admin.id });
    const email = address('invitee');
    const invitee = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const invitation = await t.clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: email, role: 'org:member', inviterUserId: admin.id });
    const { b } = await signedIn(email);
    const replies = await Promise.all(Array.from({ length: N }, () => b.call('POST', `/me/organization_invitations/${invitation.id}/accept`)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(new Set(replies.filter((r) => r.status !== 200).map(errorCode))).toEqual(new Set(['invitation_not_pending']));
    const members = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
    expect(members.data.filter((m) => m.publicUserData?.userId === invitee.id)).toHaveLength(1);
  });

  it('an invitation ticket redeemed by many browsers at once makes one user, in the organization once', async () => {
    const admin = await t.clerk.users.createUser({ emailAddress: [address('admin')], password: PASSWORD });
    const org = await t.clerk.organizations.createOrganization({ name: `Ticket race ${++seq}`, createdBy: admin.id });
    const email = address('ticket');
    const since = Date.now();
    await t.clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: email, role: 'org:member', inviterUserId: admin.id });
    const ticket = new URL(await latestLink(t.url, email, since, 'invitation')).searchParams.get('ticket')!;
    const replies = await Promise.all(Array.from({ length: N }, () => new FapiBrowser(t.url).call('POST', '/client/sign_ups', { strategy: 'ticket', ticket, password: PASSWORD })));
    const completed = replies.filter((r) => (r.body.response as { status?: string } | undefined)?.status === 'complete');
    expect(completed).toHaveLength(1);
    const users = await usersWith(email);
    expect(users).toHaveLength(1);
    const members = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
    expect(members.data.filter((m) => m.publicUserData?.userId === users[0])).toHaveLength(1);
  });

  it('one backup code offered to many sign-ins at once completes exactly one', async () => {
    const email = address('backup');
    const created = await t.request('POST', '/v1/users', { body: { email_address: [email], password: PASSWORD, totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', backup_codes: ['race-backup-code-1'] } });
    expect(created.status).toBe(200);
    const userId = (created.body as { id: string }).id;
    // Fewer than the lockout's limit: every attempt in flight is counted before it is checked, so
    // more at once than the limit would be refused as locked whatever they carry.
    const browsers = Array.from({ length: 6 }, () => new FapiBrowser(t.url));
    const signIns: string[] = [];
    for (const b of browsers) {
      const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
      const signIn = reply.body.response as SignInJSON;
      expect(signIn.status).toBe('needs_second_factor');
      signIns.push(signIn.id);
    }
    const replies = await Promise.all(browsers.map((b, i) => b.call('POST', `/client/sign_ins/${signIns[i]!}/attempt_second_factor`, { strategy: 'backup_code', code: 'race-backup-code-1' })));
    expect(replies.filter((r) => (r.body.response as SignInJSON | undefined)?.status === 'complete')).toHaveLength(1);
    expect(new Set(replies.filter((r) => r.status !== 200).map(errorCode))).toEqual(new Set(['form_code_incorrect']));
    expect(await sessionsOf(userId)).toBe(1);
  });
});
