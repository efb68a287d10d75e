import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, connectMcp, ok, TEST_CLIENT, type McpTransportKind } from '../support/mcp-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Every tool and its arguments: the names `@clerk/backend` uses, which agents already know. */
const TOOL_ARGUMENTS: Record<string, string[]> = {
  createUser: ['emailAddress', 'phoneNumber', 'password', 'skipPasswordRequirement', 'firstName', 'lastName', 'username', 'externalId', 'publicMetadata', 'privateMetadata', 'unsafeMetadata', 'skipPasswordChecks'],
  getUser: ['userId'],
  getUserList: [
    'emailAddress', 'phoneNumber', 'username', 'userId', 'externalId', 'web3Wallet', 'organizationId', 'query', 'emailAddressQuery', 'phoneNumberQuery',
    'usernameQuery', 'nameQuery', 'banned', 'createdAtBefore', 'createdAtAfter', 'lastActiveAtBefore', 'lastActiveAtAfter', 'lastActiveAtSince',
    'lastSignInAtBefore', 'lastSignInAtAfter', 'orderBy', 'limit', 'offset',
  ],
  getUserCount: [
    'emailAddress', 'phoneNumber', 'username', 'userId', 'externalId', 'web3Wallet', 'organizationId', 'query', 'emailAddressQuery', 'phoneNumberQuery',
    'usernameQuery', 'nameQuery', 'banned', 'createdAtBefore', 'createdAtAfter', 'lastActiveAtBefore', 'lastActiveAtAfter', 'lastActiveAtSince',
    'lastSignInAtBefore', 'lastSignInAtAfter',
  ],
  updateUser: ['userId', 'firstName', 'lastName', 'username', 'externalId', 'publicMetadata', 'privateMetadata', 'unsafeMetadata', 'skipPasswordChecks', 'password', 'signOutOfOtherSessions', 'primaryEmailAddressID', 'primaryPhoneNumberID'],
  updateUserPublicMetadata: ['userId', 'metadata'],
  updateUserUnsafeMetadata: ['userId', 'metadata'],
  updateUserPrivateMetadata: ['userId', 'metadata'],
  deleteUser: ['userId'],
  banUser: ['userId'],
  unbanUser: ['userId'],
  lockUser: ['userId'],
  unlockUser: ['userId'],
  getUserMfa: ['userId'],
  disableUserMFA: ['userId'],
  createOrganization: ['name', 'createdBy', 'slug', 'maxAllowedMemberships', 'publicMetadata', 'privateMetadata'],
  getOrganization: ['organizationId', 'slug', 'includeMembersCount'],
  getOrganizationList: ['query', 'userId', 'organizationId', 'includeMembersCount', 'orderBy', 'limit', 'offset'],
  updateOrganization: ['organizationId', 'name', 'slug', 'maxAllowedMemberships', 'adminDeleteEnabled', 'publicMetadata', 'privateMetadata'],
  updateOrganizationMetadata: ['organizationId', 'publicMetadata', 'privateMetadata'],
  deleteOrganization: ['organizationId'],
  createOrganizationMembership: ['organizationId', 'userId', 'role'],
  updateOrganizationMembership: ['organizationId', 'userId', 'role'],
  updateOrganizationMembershipMetadata: ['organizationId', 'userId', 'publicMetadata', 'privateMetadata'],
  deleteOrganizationMembership: ['organizationId', 'userId'],
  getOrganizationMembershipList: ['organizationId', 'role', 'userId', 'emailAddress', 'query', 'orderBy', 'limit', 'offset'],
  createOrganizationInvitation: ['organizationId', 'emailAddress', 'role', 'inviterUserId', 'redirectUrl', 'publicMetadata', 'privateMetadata', 'expiresInDays', 'notify'],
  revokeOrganizationInvitation: ['organizationId', 'invitationId', 'requestingUserId'],
  getOrganizationInvitationList: ['organizationId', 'status', 'emailAddress', 'limit', 'offset'],
  createInvitation: ['emailAddress', 'redirectUrl', 'publicMetadata', 'notify', 'ignoreExisting', 'expiresInDays'],
  revokeInvitation: ['invitationId'],
  getSessionList: ['userId', 'clientId', 'status', 'limit', 'offset'],
  revokeSession: ['sessionId'],
  getAuditEvents: ['userId', 'organizationId', 'actorId', 'type', 'createdAtAfter', 'createdAtBefore', 'startingAfter', 'limit'],
};

const REQUIRED: Record<string, string[]> = {
  getUser: ['userId'],
  updateUser: ['userId'],
  updateUserPublicMetadata: ['userId', 'metadata'],
  createOrganization: ['name'],
  createOrganizationMembership: ['organizationId', 'userId', 'role'],
  createOrganizationInvitation: ['organizationId', 'emailAddress', 'role'],
  revokeSession: ['sessionId'],
};

const READ_TOOLS = ['getUser', 'getUserMfa', 'getUserList', 'getUserCount', 'getOrganization', 'getOrganizationList', 'getOrganizationMembershipList', 'getOrganizationInvitationList', 'getSessionList', 'getAuditEvents'];
const DESTRUCTIVE_TOOLS = ['deleteUser', 'banUser', 'disableUserMFA', 'deleteOrganization', 'deleteOrganizationMembership', 'revokeOrganizationInvitation', 'revokeInvitation', 'revokeSession'];

interface Listed {
  id: string;
}

describe.each<McpTransportKind>(['stdio', 'http'])('Gatehouse MCP tools over %s', (kind) => {
  let t: TestServer;
  let mcp: Client;
  let n = 0;
  const email = (tag: string) => `${tag}.${kind}.${++n}@mcp.test`;

  beforeAll(async () => {
    t = await startTestServer();
    mcp = await connectMcp(kind, t.url, t.secretKey);
  });

  afterAll(async () => {
    await mcp?.close();
    await t?.close();
  });

  it('lists every tool with its arguments, required ones and safety annotations', async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(TOOL_ARGUMENTS).sort());
    for (const tool of tools) {
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort(), tool.name).toEqual([...(TOOL_ARGUMENTS[tool.name] ?? [])].sort());
      expect(tool.description?.length, tool.name).toBeGreaterThan(30);
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(READ_TOOLS.includes(tool.name));
      if (!READ_TOOLS.includes(tool.name)) expect(tool.annotations?.destructiveHint, tool.name).toBe(DESTRUCTIVE_TOOLS.includes(tool.name));
    }
    for (const [name, required] of Object.entries(REQUIRED)) {
      expect([...(tools.find((tool) => tool.name === name)?.inputSchema.required ?? [])].sort(), name).toEqual([...required].sort());
    }
  });

  it('runs the user tools, with effects visible through the Backend API', async () => {
    const address = email('ada');
    const created = await ok<{ id: string; email_addresses: { email_address: string }[] }>(mcp, 'createUser', {
      emailAddress: [address],
      password: 'correct horse battery staple',
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: `ada_${kind}`,
      externalId: `ext-${kind}`,
      publicMetadata: { plan: 'free' },
      privateMetadata: { stripe: 'cus_1' },
      unsafeMetadata: { theme: 'light' },
    });
    expect(created.email_addresses[0]?.email_address).toBe(address);
    const viaSdk = await t.clerk.users.getUser(created.id);
    expect([viaSdk.firstName, viaSdk.lastName, viaSdk.username, viaSdk.externalId, viaSdk.passwordEnabled]).toEqual(['Ada', 'Lovelace', `ada_${kind}`, `ext-${kind}`, true]);
    expect(viaSdk.privateMetadata).toEqual({ stripe: 'cus_1' });

    expect((await ok<{ id: string }>(mcp, 'getUser', { userId: created.id })).id).toBe(created.id);
    const byEmail = await ok<{ data: Listed[]; total_count: number }>(mcp, 'getUserList', { emailAddress: [address] });
    expect(byEmail.data.map((u) => u.id)).toEqual([created.id]);
    expect(byEmail.total_count).toBe(1);
    const bySearch = await ok<{ data: Listed[] }>(mcp, 'getUserList', { query: 'lovelace', orderBy: '-created_at', limit: 5, offset: 0 });
    expect(bySearch.data.map((u) => u.id)).toContain(created.id);
    // A single address where a list is expected is what agents send; it works the same.
    expect((await ok<{ data: Listed[] }>(mcp, 'getUserList', { emailAddress: address })).data.map((u) => u.id)).toEqual([created.id]);
    const count = await ok<{ total_count: number }>(mcp, 'getUserCount');
    expect(count.total_count).toBe(await t.clerk.users.getCount());
    expect((await ok<{ total_count: number }>(mcp, 'getUserCount', { emailAddress: [address] })).total_count).toBe(1);

    await ok(mcp, 'updateUser', { userId: created.id, firstName: 'Augusta', publicMetadata: { plan: 'pro' } });
    await ok(mcp, 'updateUserPublicMetadata', { userId: created.id, metadata: { seats: 3 } });
    await ok(mcp, 'updateUserUnsafeMetadata', { userId: created.id, metadata: { theme: null, lang: 'en' } });
    await ok(mcp, 'updateUserPrivateMetadata', { userId: created.id, metadata: { crm: 'hubspot-7' } });
    const updated = await t.clerk.users.getUser(created.id);
    expect(updated.firstName).toBe('Augusta');
    expect(updated.publicMetadata).toEqual({ plan: 'pro', seats: 3 });
    expect(updated.unsafeMetadata).toEqual({ lang: 'en' });
    expect(updated.privateMetadata).toEqual({ stripe: 'cus_1', crm: 'hubspot-7' });

    const session = await t.clerk.sessions.createSession({ userId: created.id });
    await ok(mcp, 'lockUser', { userId: created.id });
    expect((await t.clerk.users.getUser(created.id)).locked).toBe(true);
    expect((await t.clerk.sessions.getSession(session.id)).status).not.toBe('active');
    await ok(mcp, 'unlockUser', { userId: created.id });
    expect((await t.clerk.users.getUser(created.id)).locked).toBe(false);
    await ok(mcp, 'banUser', { userId: created.id });
    expect((await t.clerk.users.getUser(created.id)).banned).toBe(true);
    expect((await ok<{ total_count: number }>(mcp, 'getUserCount', { banned: true })).total_count).toBeGreaterThanOrEqual(1);
    await ok(mcp, 'unbanUser', { userId: created.id });
    expect((await t.clerk.users.getUser(created.id)).banned).toBe(false);

    // Two-step verification: read it, and reset it for someone who lost their phone.
    expect(await ok(mcp, 'getUserMfa', { userId: created.id })).toMatchObject({ two_factor_enabled: false, backup_codes_remaining: 0 });
    await t.clerk.users.updateUser(created.id, { totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', backupCodes: ['first-code-1', 'second-code-2'] });
    expect(await ok(mcp, 'getUserMfa', { userId: created.id })).toMatchObject({ two_factor_enabled: true, totp_enabled: true, backup_code_enabled: true, backup_codes_remaining: 2 });
    expect(await ok(mcp, 'disableUserMFA', { userId: created.id })).toEqual({ user_id: created.id });
    expect(await t.clerk.users.getUser(created.id)).toMatchObject({ twoFactorEnabled: false, totpEnabled: false, backupCodeEnabled: false });

    const deleted = await ok<{ id: string; deleted: boolean }>(mcp, 'deleteUser', { userId: created.id });
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    await expect(t.clerk.users.getUser(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('runs the organization, membership and invitation tools', async () => {
    const owner = await t.clerk.users.createUser({ emailAddress: [email('owner')], skipPasswordRequirement: true });
    const member = await t.clerk.users.createUser({ emailAddress: [email('member')], firstName: 'Grace', skipPasswordRequirement: true });
    const org = await ok<{ id: string; slug: string }>(mcp, 'createOrganization', {
      name: `Analytical Engines ${kind}`,
      createdBy: owner.id,
      slug: `engines-${kind}`,
      maxAllowedMemberships: 10,
      publicMetadata: { tier: 'gold' },
      privateMetadata: { billing: 'annual' },
    });
    expect(org.slug).toBe(`engines-${kind}`);
    expect((await ok<{ id: string }>(mcp, 'getOrganization', { slug: `engines-${kind}` })).id).toBe(org.id);
    expect((await ok<{ members_count: number }>(mcp, 'getOrganization', { organizationId: org.id, includeMembersCount: true })).members_count).toBe(1);
    const listed = await ok<{ data: Listed[]; total_count: number }>(mcp, 'getOrganizationList', { query: 'analytical', includeMembersCount: true });
    expect(listed.data.map((o) => o.id)).toContain(org.id);
    expect((await ok<{ data: Listed[] }>(mcp, 'getOrganizationList', { userId: [owner.id] })).data.map((o) => o.id)).toEqual([org.id]);

    await ok(mcp, 'updateOrganization', { organizationId: org.id, name: `Difference Engines ${kind}`, maxAllowedMemberships: 20, privateMetadata: { billing: 'monthly' } });
    await ok(mcp, 'updateOrganizationMetadata', { organizationId: org.id, publicMetadata: { region: 'eu' } });
    const sdkOrg = await t.clerk.organizations.getOrganization({ organizationId: org.id });
    expect([sdkOrg.name, sdkOrg.maxAllowedMemberships]).toEqual([`Difference Engines ${kind}`, 20]);
    expect(sdkOrg.publicMetadata).toEqual({ tier: 'gold', region: 'eu' });
    expect(sdkOrg.privateMetadata).toEqual({ billing: 'monthly' });

    await ok(mcp, 'createOrganizationMembership', { organizationId: org.id, userId: member.id, role: 'basic_member' });
    await ok(mcp, 'updateOrganizationMembership', { organizationId: org.id, userId: member.id, role: 'org:admin' });
    await ok(mcp, 'updateOrganizationMembershipMetadata', { organizationId: org.id, userId: member.id, publicMetadata: { team: 'core' }, privateMetadata: { note: 'x' } });
    const memberships = await ok<{ data: { role: string; public_metadata: unknown; public_user_data: { user_id: string } }[]; total_count: number }>(
      mcp,
      'getOrganizationMembershipList',
      { organizationId: org.id, role: ['org:admin'], orderBy: '+created_at' },
    );
    expect(memberships.total_count).toBe(2);
    expect(memberships.data.map((m) => m.public_user_data.user_id)).toEqual([owner.id, member.id]);
    expect(memberships.data[1]?.public_metadata).toEqual({ team: 'core' });
    const sdkMemberships = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
    expect(sdkMemberships.data.find((m) => m.publicUserData?.userId === member.id)?.privateMetadata).toEqual({ note: 'x' });
    await ok(mcp, 'deleteOrganizationMembership', { organizationId: org.id, userId: member.id });
    expect((await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })).totalCount).toBe(1);

    const invitee = email('invitee');
    const orgInvite = await ok<{ id: string; status: string; role: string }>(mcp, 'createOrganizationInvitation', {
      organizationId: org.id,
      emailAddress: invitee,
      role: 'org:member',
      inviterUserId: owner.id,
      redirectUrl: 'https://app.example.com/join',
      expiresInDays: 7,
      notify: false,
    });
    expect([orgInvite.status, orgInvite.role]).toEqual(['pending', 'org:member']);
    const pending = await ok<{ data: Listed[]; total_count: number }>(mcp, 'getOrganizationInvitationList', { organizationId: org.id, status: 'pending' });
    expect(pending.data.map((i) => i.id)).toEqual([orgInvite.id]);
    await ok(mcp, 'revokeOrganizationInvitation', { organizationId: org.id, invitationId: orgInvite.id, requestingUserId: owner.id });
    const revoked = await t.clerk.organizations.getOrganizationInvitationList({ organizationId: org.id, status: ['revoked'] });
    expect(revoked.data.map((i) => i.id)).toEqual([orgInvite.id]);

    const appInvite = await ok<{ id: string; status: string }>(mcp, 'createInvitation', { emailAddress: email('signup'), publicMetadata: { source: 'agent' }, notify: false, expiresInDays: 3 });
    expect(appInvite.status).toBe('pending');
    await ok(mcp, 'revokeInvitation', { invitationId: appInvite.id });
    const invitations = await t.clerk.invitations.getInvitationList({ status: 'revoked' });
    expect(invitations.data.map((i) => i.id)).toContain(appInvite.id);

    await ok(mcp, 'deleteOrganization', { organizationId: org.id });
    await expect(t.clerk.organizations.getOrganization({ organizationId: org.id })).rejects.toMatchObject({ status: 404 });
  });

  it('lists and revokes sessions', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: [email('sessions')], skipPasswordRequirement: true });
    const first = await t.clerk.sessions.createSession({ userId: user.id });
    const second = await t.clerk.sessions.createSession({ userId: user.id });
    const active = await ok<{ data: Listed[]; total_count: number }>(mcp, 'getSessionList', { userId: user.id, status: 'active' });
    expect(active.data.map((s) => s.id).sort()).toEqual([first.id, second.id].sort());
    expect(active.total_count).toBe(2);
    const revoked = await ok<{ id: string; status: string }>(mcp, 'revokeSession', { sessionId: first.id });
    expect(revoked).toMatchObject({ id: first.id, status: 'revoked' });
    expect((await t.clerk.sessions.getSession(first.id)).status).toBe('revoked');
    expect((await ok<{ total_count: number }>(mcp, 'getSessionList', { userId: user.id, status: 'active' })).total_count).toBe(1);
  });

  it('records every call in the audit log with the MCP client as actor detail', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: [email('audited')], skipPasswordRequirement: true });
    await ok(mcp, 'getUser', { userId: user.id });
    await ok(mcp, 'updateUser', { userId: user.id, lastName: 'Audited' });
    const detail = `mcp:${TEST_CLIENT.name}/${TEST_CLIENT.version}`;

    const calls = await ok<{ data: { type: string; actor: { type: string; detail: string }; data: { tool: string; status: number }; subject: { user_id: string } }[] }>(
      mcp,
      'getAuditEvents',
      { userId: user.id, type: ['mcp.tool_called'] },
    );
    expect(calls.data.map((e) => e.data.tool)).toEqual(['updateUser', 'getUser']);
    for (const event of calls.data) {
      expect(event.actor).toMatchObject({ type: 'secret_key', detail });
      expect(event.data.status).toBe(200);
      expect(event.subject.user_id).toBe(user.id);
    }
    const updates = await t.request('GET', `/v1/audit_events?user_id=${user.id}&type=user.updated`);
    const [update] = (updates.body as { data: { actor: { detail: string | null }; diff: Record<string, unknown> }[] }).data;
    expect(update?.actor.detail).toBe(detail);
    expect(update?.diff).toHaveProperty('last_name');
  });

  it('keeps private metadata out of results by default', async () => {
    const user = await ok<Record<string, unknown>>(mcp, 'createUser', { emailAddress: [email('private')], privateMetadata: { ssn: 'hidden' }, skipPasswordRequirement: true });
    expect(user).not.toHaveProperty('private_metadata');
    const fetched = await callTool(mcp, 'getUser', { userId: user.id as string });
    expect(fetched.text).not.toContain('hidden');
    expect(fetched.json).toHaveProperty('public_metadata');
    expect((await t.clerk.users.getUser(user.id as string)).privateMetadata).toEqual({ ssn: 'hidden' });
  });

  it('answers bad input with an error result that says what to fix, and keeps serving', async () => {
    const wrongType = await callTool(mcp, 'createUser', { emailAddress: 42 });
    expect(wrongType.isError).toBe(true);
    expect(wrongType.text).toMatch(/emailAddress/);

    const unknownArgument = await callTool(mcp, 'getUser', { userId: 'user_x', email: 'a@b.test' });
    expect(unknownArgument.isError).toBe(true);
    expect(unknownArgument.text).toMatch(/email/);

    const missing = await callTool(mcp, 'createOrganizationMembership', { organizationId: 'org_x' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/userId/);

    const notFound = await callTool(mcp, 'getUser', { userId: 'user_doesnotexist' });
    expect(notFound.isError).toBe(true);
    expect(notFound.text).toMatch(/HTTP 404/);
    expect(notFound.text).toMatch(/resource_not_found/);

    const invalidEmail = await callTool(mcp, 'createUser', { emailAddress: ['not-an-email'], skipPasswordRequirement: true });
    expect(invalidEmail.isError).toBe(true);
    expect(invalidEmail.text).toMatch(/HTTP 422/);
    expect(invalidEmail.text).toMatch(/argument emailAddress/);

    const weakPassword = await callTool(mcp, 'createUser', { emailAddress: [email('weak')], password: 'password' });
    expect(weakPassword.isError).toBe(true);
    expect(weakPassword.text).toMatch(/argument password/);

    const neither = await callTool(mcp, 'getOrganization', {});
    expect(neither.isError).toBe(true);
    expect(neither.text).toMatch(/organizationId or slug/);

    const pathTraversal = await callTool(mcp, 'getUser', { userId: '../organizations' });
    expect(pathTraversal.isError).toBe(true);
    expect(pathTraversal.text).toMatch(/HTTP 404/);

    const unknownTool = await mcp.callTool({ name: 'dropDatabase', arguments: {} }).catch((error: unknown) => error);
    expect(JSON.stringify(unknownTool)).toMatch(/dropDatabase/);

    // The server is still there and still right.
    expect((await ok<{ total_count: number }>(mcp, 'getUserCount')).total_count).toBe(await t.clerk.users.getCount());
  });
});
