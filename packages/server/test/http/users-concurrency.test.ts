import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

describe('concurrent writes', () => {
  it('lets exactly one of many simultaneous creates claim an email address', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.request('POST', '/v1/users', { body: { email_address: ['race@example.com'], first_name: `Racer ${i}` } })),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(19);
    for (const r of replies.filter((x) => x.status === 422)) {
      expect((r.body as { errors: { code: string }[] }).errors[0]?.code).toBe('form_identifier_exists');
    }
    expect(await t.clerk.users.getCount({ emailAddress: ['race@example.com'] })).toBe(1);
  });

  it('loses no key when many metadata merges land at once', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['merge-race@example.com'] });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.clerk.users.updateUserMetadata(user.id, { publicMetadata: { [`k${i}`]: i } })),
    );
    const after = await t.clerk.users.getUser(user.id);
    expect(Object.keys(after.publicMetadata).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
  });

  it('filters by last activity and last sign-in once those are recorded', async () => {
    const active = await t.clerk.users.createUser({ emailAddress: ['active@activity.test'] });
    const idle = await t.clerk.users.createUser({ emailAddress: ['idle@activity.test'] });
    const now = Date.now();
    await t.server.store.db.updateTable('users').set({ last_active_at: now, last_sign_in_at: now }).where('id', '=', active.id).execute();
    await t.server.store.db.updateTable('users').set({ last_active_at: now - 86_400_000 * 30 }).where('id', '=', idle.id).execute();
    const recent = await t.clerk.users.getUserList({ lastActiveAtAfter: now - 86_400_000, query: 'activity.test' });
    expect(recent.data.map((u) => u.id)).toEqual([active.id]);
    const stale = await t.clerk.users.getUserList({ lastActiveAtBefore: now - 86_400_000, query: 'activity.test' });
    expect(stale.data.map((u) => u.id)).toEqual([idle.id]);
    const signedIn = await t.clerk.users.getUserList({ lastSignInAtAfter: now - 1000, query: 'activity.test' });
    expect(signedIn.data.map((u) => u.id)).toEqual([active.id]);
    const ordered = await t.clerk.users.getUserList({ orderBy: '-last_active_at', query: 'activity.test' });
    expect(ordered.data.map((u) => u.id)).toEqual([active.id, idle.id]);
  });
});
