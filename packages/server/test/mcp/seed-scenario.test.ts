import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMcp, ok } from '../support/mcp-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The calls of reference/seed-auth-specialist-agent.md, as an agent host registering the server as
 * `clerk` would make them (`clerk_createUser(…)` is tool `createUser`), with the arguments exactly
 * as the document writes them; only IDs are the real ones instead of `user_123`.
 */
let t: TestServer;
let clerk: Client;

beforeAll(async () => {
  t = await startTestServer();
  clerk = await connectMcp('stdio', t.url, t.secretKey);
});

afterAll(async () => {
  await clerk?.close();
  await t?.close();
});

describe('the auth-specialist scenario', () => {
  it('manages users, organizations, memberships and invitations as the seed document does', async () => {
    const createUserResponse = await ok<{ id: string }>(clerk, 'createUser', {
      emailAddress: ['user@example.com'],
      password: 'secure-password',
      firstName: 'John',
      lastName: 'Doe',
      publicMetadata: { role: 'user', department: 'engineering' },
    });
    const user123 = createUserResponse.id;

    await ok(clerk, 'updateUser', {
      userId: user123,
      firstName: 'Jane',
      lastName: 'Smith',
      publicMetadata: { bio: 'Software Engineer', skills: ['React', 'Node.js'] },
    });
    const jane = await t.clerk.users.getUser(user123);
    expect([jane.firstName, jane.lastName]).toEqual(['Jane', 'Smith']);
    expect(jane.publicMetadata).toEqual({ bio: 'Software Engineer', skills: ['React', 'Node.js'] });

    const users = await ok<{ data: { id: string }[] }>(clerk, 'getUserList', { emailAddress: ['user@example.com'] });
    expect(users.data.map((u) => u.id)).toEqual([user123]);
    const user = await ok<{ id: string; two_factor_enabled: boolean }>(clerk, 'getUser', { userId: user123 });
    expect(user).toMatchObject({ id: user123, two_factor_enabled: false });
    expect(await ok(clerk, 'getUserCount')).toEqual({ object: 'total_count', total_count: 1 });

    const org = await ok<{ id: string; slug: string; max_allowed_memberships: number }>(clerk, 'createOrganization', {
      name: 'Acme Corp',
      createdBy: user123,
      slug: 'acme-corp',
      maxAllowedMemberships: 100,
      publicMetadata: { industry: 'technology', size: 'enterprise' },
    });
    expect(org).toMatchObject({ slug: 'acme-corp', max_allowed_memberships: 100 });
    const updatedOrg = await ok<{ name: string }>(clerk, 'updateOrganization', {
      organizationId: org.id,
      name: 'Acme Corporation',
      privateMetadata: { subscription: 'premium', expiresAt: '2024-12-31' },
    });
    expect(updatedOrg.name).toBe('Acme Corporation');
    expect((await t.clerk.organizations.getOrganization({ organizationId: org.id })).privateMetadata).toEqual({ subscription: 'premium', expiresAt: '2024-12-31' });

    const user456 = (await t.clerk.users.createUser({ emailAddress: ['colleague@example.com'], skipPasswordRequirement: true })).id;
    const membership = await ok<{ role: string }>(clerk, 'createOrganizationMembership', { organizationId: org.id, userId: user456, role: 'admin' });
    expect(membership.role).toBe('org:admin');
    const updatedMembership = await ok<{ role: string }>(clerk, 'updateOrganizationMembership', { organizationId: org.id, userId: user456, role: 'basic_member' });
    expect(updatedMembership.role).toBe('org:member');
    await ok(clerk, 'deleteOrganizationMembership', { organizationId: org.id, userId: user456 });
    const members = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
    expect(members.data.map((m) => m.publicUserData?.userId)).toEqual([user123]);

    const invitation = await ok<{ id: string; role: string; status: string }>(clerk, 'createOrganizationInvitation', {
      organizationId: org.id,
      emailAddress: 'newuser@example.com',
      role: 'basic_member',
      redirectUrl: 'https://app.example.com/join',
    });
    expect(invitation).toMatchObject({ role: 'org:member', status: 'pending' });
    const revoked = await ok<{ status: string }>(clerk, 'revokeOrganizationInvitation', { organizationId: org.id, invitationId: invitation.id });
    expect(revoked.status).toBe('revoked');

    // "Custom authentication flows": a second user created with unsafe metadata only.
    const custom = await ok<{ unsafe_metadata: unknown }>(clerk, 'createUser', {
      emailAddress: ['custom@example.com'],
      password: 'secure-password',
      unsafeMetadata: { customField: 'custom-value', onboardingStep: 1 },
    });
    expect(custom.unsafe_metadata).toEqual({ customField: 'custom-value', onboardingStep: 1 });
  });
});
