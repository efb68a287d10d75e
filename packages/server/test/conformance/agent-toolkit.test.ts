import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Clerk's own MCP server (`@clerk/agent-toolkit`'s `local-mcp`), pointed at Gatehouse with
 * `--api-url`, must work unmodified: every tool answers and its effect is visible through the API.
 */
const require = createRequire(import.meta.url);
// The package exports neither its package.json nor its bin; the bin sits beside the MCP entry point.
const LOCAL_MCP = path.join(path.dirname(require.resolve('@clerk/agent-toolkit/modelcontextprotocol')), 'local-server.js');

let t: TestServer;
let client: Client;

beforeAll(async () => {
  t = await startTestServer();
  client = new Client({ name: 'gatehouse-conformance', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [LOCAL_MCP, '--api-url', t.url, '--secret-key', t.secretKey],
      env: { PATH: process.env.PATH ?? '', CLERK_TELEMETRY_DISABLED: '1' },
      stderr: 'pipe',
    }),
  );
});

afterAll(async () => {
  await client?.close();
  await t?.close();
});

async function call<T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  if (result.isError) throw new Error(`${name} failed: ${content.map((c) => c.text).join('\n')}`);
  const text = content.find((c) => c.type === 'text')?.text;
  return (text ? JSON.parse(text) : undefined) as T;
}

describe("Clerk's agent toolkit MCP server against Gatehouse", () => {
  it('lists its 19 tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'createInvitation',
        'createOrganization',
        'createOrganizationInvitation',
        'createOrganizationMembership',
        'deleteOrganization',
        'deleteOrganizationMembership',
        'getOrganization',
        'getUser',
        'getUserCount',
        'getUserId',
        'revokeInvitation',
        'revokeOrganizationInvitation',
        'updateOrganization',
        'updateOrganizationMembership',
        'updateOrganizationMembershipMetadata',
        'updateOrganizationMetadata',
        'updateUser',
        'updateUserPublicMetadata',
        'updateUserUnsafeMetadata',
      ].sort(),
    );
  });

  it('runs every user tool', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['agent.user@toolkit.test'], firstName: 'Agent' });
    expect(await call('getUserCount', {})).toBe(await t.clerk.users.getCount());
    expect((await call<{ id: string }>('getUser', { userId: user.id })).id).toBe(user.id);
    await call('updateUser', { userId: user.id, firstName: 'Renamed', lastName: 'Agent', username: 'agent_user' });
    await call('updateUserPublicMetadata', { userId: user.id, metadata: { plan: 'pro' } });
    await call('updateUserUnsafeMetadata', { userId: user.id, metadata: { theme: 'dark' } });
    const after = await t.clerk.users.getUser(user.id);
    expect(after).toMatchObject({ firstName: 'Renamed', lastName: 'Agent', username: 'agent_user' });
    expect(after.publicMetadata).toEqual({ plan: 'pro' });
    expect(after.unsafeMetadata).toEqual({ theme: 'dark' });
    const fromTool = await call<Record<string, unknown>>('getUser', { userId: user.id });
    expect(fromTool).not.toHaveProperty('private_metadata');
  });

  it('runs every organization, membership and invitation tool', async () => {
    const owner = await t.clerk.users.createUser({ emailAddress: ['owner@toolkit.test'] });
    const member = await t.clerk.users.createUser({ emailAddress: ['member@toolkit.test'] });

    const org = await call<{ id: string; slug: string }>('createOrganization', { name: 'Toolkit Org', createdBy: owner.id, slug: 'toolkit-org' });
    expect((await call<{ id: string; members_count: number }>('getOrganization', { organizationId: org.id, includeMembersCount: true })).members_count).toBe(1);
    await call('updateOrganization', { organizationId: org.id, name: 'Toolkit Org Renamed' });
    await call('updateOrganizationMetadata', { organizationId: org.id, publicMetadata: { region: 'eu' } });
    const renamed = await t.clerk.organizations.getOrganization({ organizationId: org.id });
    expect(renamed.name).toBe('Toolkit Org Renamed');
    expect(renamed.publicMetadata).toEqual({ region: 'eu' });

    await call('createOrganizationMembership', { organizationId: org.id, userId: member.id, role: 'basic_member' });
    await call('updateOrganizationMembership', { organizationId: org.id, userId: member.id, role: 'admin' });
    await call('updateOrganizationMembershipMetadata', { organizationId: org.id, userId: member.id, publicMetadata: { seat: 2 } });
    const [membership] = (await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, userId: [member.id] })).data;
    expect(membership?.role).toBe('org:admin');
    expect(membership?.publicMetadata).toEqual({ seat: 2 });
    await call('deleteOrganizationMembership', { organizationId: org.id, userId: member.id });
    expect((await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })).totalCount).toBe(1);

    const orgInvite = await call<{ id: string; status: string }>('createOrganizationInvitation', {
      organizationId: org.id,
      emailAddress: 'invitee@toolkit.test',
      role: 'org:member',
      inviterUserId: owner.id,
    });
    expect(orgInvite.status).toBe('pending');
    const revokedOrgInvite = await call<{ status: string }>('revokeOrganizationInvitation', { organizationId: org.id, invitationId: orgInvite.id, requestingUserId: owner.id });
    expect(revokedOrgInvite.status).toBe('revoked');

    const invite = await call<{ id: string; status: string }>('createInvitation', { emailAddress: 'newcomer@toolkit.test', notify: false });
    expect(invite.status).toBe('pending');
    expect((await call<{ status: string }>('revokeInvitation', { invitationId: invite.id })).status).toBe('revoked');

    // The toolkit's deleteOrganization returns `res.raw` of the SDK's DeletedObject, which has no
    // `raw`, so its MCP server refuses its own empty result (-32602) after the deletion went through.
    // Clerk's API triggers this identically (a DELETE must answer a deleted object); what Gatehouse
    // owes is the deletion itself, asserted below through the API.
    await expect(call('deleteOrganization', { organizationId: org.id })).rejects.toThrow(/Invalid tools\/call result/);
    await expect(t.clerk.organizations.getOrganization({ organizationId: org.id })).rejects.toMatchObject({ status: 404 });
  });
});
