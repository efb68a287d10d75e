import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.js';
import { expectClerkError } from '../support/clerk-errors.js';
import { openSecondStore, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Token refreshes are served from memory once a session has been read (session-token.ts). Each
 * test here first mints twice, so the second mint is a cached one, then changes something the
 * token depends on and checks the very next mint: a stale answer is a security hole.
 */
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

interface Fixture {
  userId: string;
  orgId: string;
  sessionId: string;
}

async function memberWithSession(role = 'org:admin'): Promise<Fixture> {
  n++;
  const owner = await t.clerk.users.createUser({ emailAddress: [`owner${n}@freshness.test`] });
  const org = await t.clerk.organizations.createOrganization({ name: `Fresh ${n}`, slug: `fresh-${n}`, createdBy: owner.id });
  const member = await t.clerk.users.createUser({ emailAddress: [`member${n}@freshness.test`] });
  await t.clerk.organizations.createOrganizationMembership({ organizationId: org.id, userId: member.id, role });
  const session = await t.clerk.sessions.createSession({ userId: member.id, activeOrganizationId: org.id } as never);
  return { userId: member.id, orgId: org.id, sessionId: session.id };
}

async function claims(sessionId: string): Promise<Record<string, unknown>> {
  return decodeJwt((await t.clerk.sessions.getToken(sessionId)).jwt);
}

/** Mints twice: the second answer comes from the cache, which the change must then reach. */
async function warm(sessionId: string): Promise<Record<string, unknown>> {
  await claims(sessionId);
  return claims(sessionId);
}

async function mintStatus(sessionId: string): Promise<number> {
  return (await t.request('POST', `/v1/sessions/${sessionId}/tokens`, { body: {} })).status;
}

describe('session tokens follow every change at once', () => {
  it('refuses the next mint after the session is revoked', async () => {
    const f = await memberWithSession();
    expect(await warm(f.sessionId)).toMatchObject({ sid: f.sessionId });
    await t.clerk.sessions.revokeSession(f.sessionId);
    await expectClerkError(t.clerk.sessions.getToken(f.sessionId), 422, 'session_not_active');
  });

  it('refuses the next mint after the user is banned, and mints again once unbanned in a new session', async () => {
    const f = await memberWithSession();
    await warm(f.sessionId);
    await t.clerk.users.banUser(f.userId);
    await expectClerkError(t.clerk.sessions.getToken(f.sessionId), 422, 'session_not_active');
    await t.clerk.users.unbanUser(f.userId);
    const again = await t.clerk.sessions.createSession({ userId: f.userId } as never);
    expect(await warm(again.id)).toMatchObject({ sub: f.userId, sid: again.id });
  });

  it('refuses the next mint after the ban flag alone is set in the store, and not after other edits', async () => {
    const f = await memberWithSession();
    await warm(f.sessionId);
    // Only the flag: no session is ended, so nothing but the users change can tell the cache.
    await t.server.store.db.updateTable('users').set({ first_name: 'Renamed', updated_at: Date.now() }).where('id', '=', f.userId).execute();
    expect(await claims(f.sessionId)).toMatchObject({ sub: f.userId });
    await t.server.store.db.updateTable('users').set({ banned: 1 }).where('id', '=', f.userId).execute();
    await expectClerkError(t.clerk.sessions.getToken(f.sessionId), 422, 'session_not_active');
  });

  it('answers 404 on the next mint after the user is deleted', async () => {
    const f = await memberWithSession();
    await warm(f.sessionId);
    await t.clerk.users.deleteUser(f.userId);
    await expectClerkError(t.clerk.sessions.getToken(f.sessionId), 404, 'resource_not_found');
  });

  it('follows the member role, the organization slug, and leaving the organization', async () => {
    const f = await memberWithSession('org:admin');
    expect((await warm(f.sessionId))['o']).toMatchObject({ id: f.orgId, rol: 'admin' });
    await t.clerk.organizations.updateOrganizationMembership({ organizationId: f.orgId, userId: f.userId, role: 'org:member' });
    expect((await claims(f.sessionId))['o']).toMatchObject({ rol: 'member', per: 'read', fpm: '1' });
    await t.clerk.organizations.updateOrganization(f.orgId, { slug: `renamed-${f.orgId.toLowerCase()}` });
    expect((await claims(f.sessionId))['o']).toMatchObject({ slg: `renamed-${f.orgId.toLowerCase()}` });
    await t.clerk.organizations.deleteOrganizationMembership({ organizationId: f.orgId, userId: f.userId });
    expect((await claims(f.sessionId))['o']).toBeUndefined();
  });

  it('answers without the organization on the next mint after the organization is deleted', async () => {
    const f = await memberWithSession();
    expect((await warm(f.sessionId))['o']).toMatchObject({ id: f.orgId });
    await t.clerk.organizations.deleteOrganization(f.orgId);
    expect((await claims(f.sessionId))['o']).toBeUndefined();
  });

  it("follows changes to the role's permissions", async () => {
    const k = ++n;
    const permission = (await t.request('POST', '/v1/organization_permissions', { body: { name: 'Read invoices', key: `org:invoices${k}:read` } })).body as { id: string };
    const role = (await t.request('POST', '/v1/organization_roles', { body: { name: `Billing ${k}`, key: `org:billing${k}`, permissions: [] } })).body as { id: string; key: string };
    const f = await memberWithSession(role.key);
    expect(await warm(f.sessionId)).toMatchObject({ o: { rol: `billing${k}`, per: '' }, fea: '' });
    expect((await t.request('POST', `/v1/organization_roles/${role.id}/permissions/${permission.id}`)).status).toBe(200);
    expect(await claims(f.sessionId)).toMatchObject({ o: { per: 'read', fpm: '1' }, fea: `o:invoices${k}` });
    expect((await t.request('DELETE', `/v1/organization_permissions/${permission.id}`)).status).toBe(200);
    expect(await claims(f.sessionId)).toMatchObject({ o: { per: '' }, fea: '' });
  });

  it('hears a revocation committed by another process', async () => {
    const f = await memberWithSession();
    await warm(f.sessionId);
    let other: Store | undefined;
    try {
      other = await openSecondStore(t);
      await other.db.updateTable('sessions').set({ status: 'revoked', updated_at: Date.now() }).where('id', '=', f.sessionId).execute();
    } finally {
      await other?.close();
    }
    // SQLite sees the file's data version move on the very next request; PostgreSQL's
    // notification arrives a moment after the commit.
    if (t.server.store.dialect === 'sqlite') expect(await mintStatus(f.sessionId)).toBe(422);
    else await waitFor('the revocation to be heard', async () => (await mintStatus(f.sessionId)) === 422, 2000);
  });

  it("hears another process delete the session's client, whose sessions go with it", async () => {
    const f = await memberWithSession();
    await warm(f.sessionId);
    const session = await t.clerk.sessions.getSession(f.sessionId);
    let other: Store | undefined;
    try {
      other = await openSecondStore(t);
      await other.db.deleteFrom('clients').where('id', '=', session.clientId).execute();
    } finally {
      await other?.close();
    }
    if (t.server.store.dialect === 'sqlite') expect(await mintStatus(f.sessionId)).toBe(404);
    else await waitFor('the deletion to be heard', async () => (await mintStatus(f.sessionId)) === 404, 2000);
  });
});
