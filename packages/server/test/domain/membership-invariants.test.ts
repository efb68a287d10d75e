import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
const userIds: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  for (let i = 0; i < 8; i++) {
    userIds.push((await t.clerk.users.createUser({ emailAddress: [`member${i}@invariants.test`] })).id);
  }
});
afterAll(async () => t?.close());

interface MembershipRow {
  user: string;
  role: string;
}

async function memberships(orgId: string): Promise<MembershipRow[]> {
  const reply = await t.request('GET', `/v1/organizations/${orgId}/memberships?limit=500`);
  return (reply.body as { data: { role: string; public_user_data: { user_id: string } }[] }).data.map((m) => ({ user: m.public_user_data.user_id, role: m.role }));
}

describe('membership invariants', () => {
  it('admits exactly N members when N+5 join a limit-N organization at once', async () => {
    const limit = 3;
    const org = await t.clerk.organizations.createOrganization({ name: 'Crowded', maxAllowedMemberships: limit });
    const replies = await Promise.all(
      userIds.map((userId) => t.request('POST', `/v1/organizations/${org.id}/memberships`, { body: { user_id: userId, role: 'org:member' } })),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(limit);
    for (const r of replies.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(403);
      expect((r.body as { errors: { code: string }[] }).errors[0]?.code).toBe('organization_membership_quota_exceeded');
    }
    expect(await memberships(org.id)).toHaveLength(limit);
  });

  it('keeps the limit, a manager and no duplicates under random concurrent operation sequences', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), user: fc.nat(userIds.length - 1), role: fc.constantFrom('org:admin', 'org:member', 'admin', 'basic_member') }),
      fc.record({ kind: fc.constant('remove' as const), user: fc.nat(userIds.length - 1) }),
      fc.record({ kind: fc.constant('role' as const), user: fc.nat(userIds.length - 1), role: fc.constantFrom('org:admin', 'org:member') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), async (limit, batches) => {
        const org = await t.clerk.organizations.createOrganization({ name: 'Prop Org', createdBy: userIds[0]!, maxAllowedMemberships: limit });
        for (const batch of batches) {
          const replies = await Promise.all(
            batch.map((o) => {
              const user = userIds[o.user]!;
              if (o.kind === 'add') return t.request('POST', `/v1/organizations/${org.id}/memberships`, { body: { user_id: user, role: o.role } });
              if (o.kind === 'remove') return t.request('DELETE', `/v1/organizations/${org.id}/memberships/${user}`);
              return t.request('PATCH', `/v1/organizations/${org.id}/memberships/${user}`, { body: { role: o.role } });
            }),
          );
          for (const r of replies) expect(r.status).toBeLessThan(500);
          const rows = await memberships(org.id);
          expect(rows.length).toBeLessThanOrEqual(limit);
          expect(new Set(rows.map((r) => r.user)).size).toBe(rows.length);
          expect(rows.some((r) => r.role === 'org:admin')).toBe(true);
        }
        await t.request('DELETE', `/v1/organizations/${org.id}`);
      }),
      { numRuns: 25 },
    );
  });
});
