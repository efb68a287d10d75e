import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretKey, revokeSecretKey } from '../../src/domain/keys/secret-keys.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let keyId: string;

beforeAll(async () => {
  t = await startTestServer();
  keyId = (await t.server.store.db.selectFrom('secret_keys').select('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => t?.close());

interface AuditEventJSON {
  id: string;
  type: string;
  actor: { type: string; id: string | null };
  ip: string | null;
  user_agent: string | null;
  subject: { user_id: string | null };
  data: Record<string, unknown>;
  diff: Record<string, [unknown, unknown]> | null;
}
interface AuditPage {
  object: string;
  data: AuditEventJSON[];
  has_more: boolean;
  next_cursor: string | null;
}

async function audit(query: string): Promise<AuditPage> {
  const reply = await t.request('GET', `/v1/audit_events${query}`, { headers: { 'user-agent': 'audit-test/1.0' } });
  expect(reply.status).toBe(200);
  return reply.body as AuditPage;
}

describe('user events and the audit log', () => {
  it('records each user change in the same transaction, with actor, client and a diff', async () => {
    const password = 'saffron kites over tidal flats';
    const created = await t.request('POST', '/v1/users', {
      body: { email_address: ['audited@audit.test'], password, first_name: 'Old' },
      headers: { 'user-agent': 'ops-script/2.1' },
    });
    const userId = (created.body as { id: string }).id;
    await t.clerk.users.updateUser(userId, { firstName: 'New' });
    await t.clerk.users.updateUserMetadata(userId, { publicMetadata: { plan: 'pro' } });
    await t.clerk.users.updateUser(userId, { password: 'quartz herons at low tide' });
    await t.clerk.users.lockUser(userId);
    await t.clerk.users.deleteUser(userId);

    const page = await audit(`?user_id=${userId}`);
    expect(page.data.map((e) => e.type).reverse()).toEqual([
      'user.created',
      'user.updated',
      'user.updated',
      'password.changed',
      'user.updated',
      'user.locked',
      'user.updated',
      'user.deleted',
    ]);
    const [createdEvent] = page.data.slice(-1);
    expect(createdEvent?.actor).toEqual({ type: 'secret_key', id: keyId, detail: null });
    expect(createdEvent?.ip).toBe('127.0.0.1');
    expect(createdEvent?.user_agent).toBe('ops-script/2.1');
    expect(createdEvent?.data).toMatchObject({ object: 'user', id: userId, first_name: 'Old' });
    const rename = page.data.find((e) => e.type === 'user.updated' && e.diff && 'first_name' in e.diff);
    expect(rename?.diff).toEqual({ first_name: ['Old', 'New'] });
    const meta = page.data.find((e) => e.diff && 'public_metadata' in e.diff);
    expect(meta?.diff?.['public_metadata']).toEqual([{}, { plan: 'pro' }]);
    expect(page.data[0]?.data).toEqual({ object: 'user', id: userId, deleted: true });

    const everything = JSON.stringify(await t.server.store.db.selectFrom('events').selectAll().execute());
    expect(everything).not.toContain(password);
    expect(everything).not.toContain('quartz herons');
    expect(everything).not.toContain('$argon2id$');
  });

  it('records the end of a deleted user\'s memberships and sessions before the user itself', async () => {
    const owner = await t.clerk.users.createUser({ emailAddress: ['owner@audit.test'] });
    const member = await t.clerk.users.createUser({ emailAddress: ['member@audit.test'] });
    const org = await t.clerk.organizations.createOrganization({ name: 'Audit Org', createdBy: owner.id });
    await t.clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role: 'org:member' });
    await t.clerk.sessions.createSession({ userId: member.id } as never);
    await t.clerk.users.deleteUser(member.id);
    const types = (await audit(`?user_id=${member.id}`)).data.map((e) => e.type).reverse();
    expect(types).toEqual(['user.created', 'organizationMembership.created', 'session.created', 'organizationMembership.deleted', 'session.removed', 'user.deleted']);
  });

  it('appends nothing for a change that failed or changed nothing', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['quiet@audit.test'], username: 'quiet_user' });
    const before = (await audit(`?user_id=${user.id}`)).data.length;
    await t.clerk.users.updateUser(user.id, { username: 'x' }).catch(() => undefined);
    await t.clerk.users.updateUserMetadata(user.id, { publicMetadata: {} });
    expect((await audit(`?user_id=${user.id}`)).data.length).toBe(before);
  });

  it('filters by type, actor and time, and pages with a stable cursor', async () => {
    for (let i = 0; i < 5; i++) await t.clerk.users.createUser({ emailAddress: [`page${i}@audit.test`] });
    const created = await audit('?type=user.created&limit=2');
    expect(created.data).toHaveLength(2);
    expect(created.has_more).toBe(true);
    const next = await audit(`?type=user.created&limit=2&starting_after=${created.next_cursor}`);
    expect(next.data.map((e) => e.id)).not.toContain(created.data[0]?.id);
    expect(next.data.every((e) => e.type === 'user.created')).toBe(true);
    const byActor = await audit(`?actor_id=${keyId}&limit=500`);
    expect(byActor.data.length).toBeGreaterThan(10);
    const future = await audit(`?created_at_after=${Date.now() + 60_000}`);
    expect(future.data).toEqual([]);
    const badCursor = await t.request('GET', '/v1/audit_events?starting_after=evt_nope');
    expect(badCursor.status).toBe(422);
  });

  it('records secret keys created and revoked, with their hint and never the key', async () => {
    const key = await createSecretKey({ store: t.server.store, now: Date.now }, 'nightly export');
    expect(await revokeSecretKey({ store: t.server.store, now: Date.now }, key.id)).toBe(true);
    const events = await audit('?type=secret_key.created&type=secret_key.revoked');
    const mine = events.data.filter((e) => e.data.id === key.id);
    expect(mine.map((e) => e.type)).toEqual(['secret_key.revoked', 'secret_key.created']);
    expect(mine[1]?.data).toMatchObject({ name: 'nightly export', hint: key.secret.slice(-4) });
    expect(mine[1]?.actor.type).toBe('system');
    expect(JSON.stringify(events)).not.toContain(key.secret);
    // The first key, created when the instance was, is on record too.
    expect(events.data.some((e) => e.type === 'secret_key.created' && e.data.id === keyId)).toBe(true);
  });
});
