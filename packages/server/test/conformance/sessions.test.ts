import { createPublicKey } from 'node:crypto';
import { verifyToken } from '@clerk/backend';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClientToken } from '../../src/domain/sessions/clients.js';
import { domainContextFor } from '../../src/server.js';
import { expectClerkError } from '../support/clerk-errors.js';
import { canary } from '../support/leak-canary.js';
import { recordSpecConformance, type SpecRecorder } from '../support/spec-recorder.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let spec: SpecRecorder;
let userId: string;
let orgId: string;

beforeAll(async () => {
  t = await startTestServer();
  spec = recordSpecConformance(t.url);
  userId = (await t.clerk.users.createUser({ emailAddress: ['session.owner@sessions.test'], privateMetadata: { secret: canary('session-owner') } })).id;
  orgId = (await t.clerk.organizations.createOrganization({ name: 'Session Org', slug: 'session-org', createdBy: userId })).id;
});

afterAll(async () => {
  spec?.restore();
  await t?.close();
});

/** The PEM apps put in CLERK_JWT_KEY: the public half of the JWKS key. */
async function jwtKeyPem(): Promise<string> {
  const { keys } = await t.clerk.jwks.getJwks();
  const jwk = keys?.[0];
  if (!jwk) throw new Error('empty JWKS');
  return createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}

describe('sessions through @clerk/backend', () => {
  it('creates a session with an active organization and mints a token Clerk verifies with a PEM key and with the JWKS', async () => {
    const session = await t.clerk.sessions.createSession({ userId, activeOrganizationId: orgId } as never);
    expect(session).toMatchObject({ userId, status: 'active', lastActiveOrganizationId: orgId });
    const { jwt } = await t.clerk.sessions.getToken(session.id);
    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ sub: userId, sid: session.id, iss: `https://${new URL(t.url).host}`, v: 2, sts: 'active' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    expect(claims['o']).toMatchObject({ id: orgId, slg: 'session-org', rol: 'admin' });

    const withPem = await verifyToken(jwt, { jwtKey: await jwtKeyPem() });
    expect(withPem.sid).toBe(session.id);
    const withJwks = await verifyToken(jwt, { secretKey: t.secretKey, apiUrl: t.url });
    expect(withJwks.sub).toBe(userId);
  });

  it('honours expires_in_seconds', async () => {
    const session = await t.clerk.sessions.createSession({ userId } as never);
    const { jwt } = await t.clerk.sessions.getToken(session.id, undefined, 300);
    const claims = decodeJwt(jwt);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
    expect(claims['o']).toBeUndefined();
  });

  it('gets, lists and revokes sessions; a revoked session gets no more tokens', async () => {
    const session = await t.clerk.sessions.createSession({ userId } as never);
    expect((await t.clerk.sessions.getSession(session.id)).id).toBe(session.id);
    const list = await t.clerk.sessions.getSessionList({ userId, status: 'active' });
    expect(list.data.map((s) => s.id)).toContain(session.id);
    const revoked = await t.clerk.sessions.revokeSession(session.id);
    expect(revoked.status).toBe('revoked');
    await expectClerkError(t.clerk.sessions.getToken(session.id), 422, 'session_not_active');
    // The refused refresh is on record for the operator.
    const denied = await t.server.store.db.selectFrom('events').select('data').where('type', '=', 'session.token_denied').where('subject_user_id', '=', userId).execute();
    expect(denied.map((e) => JSON.parse(e.data) as unknown)).toContainEqual(expect.objectContaining({ session_id: session.id, user_id: userId, status: 'revoked' }));
    const revokedList = await t.clerk.sessions.getSessionList({ userId, status: 'revoked' });
    expect(revokedList.data.map((s) => s.id)).toEqual([session.id]);
    await expectClerkError(t.clerk.sessions.getSession('sess_missing'), 404, 'resource_not_found');
  });

  it('refuses a session for an organization the user is not in, and for a banned user', async () => {
    const stranger = await t.clerk.users.createUser({ emailAddress: ['stranger@sessions.test'] });
    await expectClerkError(t.clerk.sessions.createSession({ userId: stranger.id, activeOrganizationId: orgId } as never), 422, 'form_param_value_invalid', 'active_organization_id');
    await t.clerk.users.banUser(stranger.id);
    await expectClerkError(t.clerk.sessions.createSession({ userId: stranger.id } as never), 403, 'user_banned');
  });

  it('ends every session when the user is banned, locked or deleted, and records the session events', async () => {
    for (const [action, expected] of [
      ['ban', 'revoked'],
      ['lock', 'revoked'],
    ] as const) {
      const user = await t.clerk.users.createUser({ emailAddress: [`${action}@sessions.test`] });
      const a = await t.clerk.sessions.createSession({ userId: user.id } as never);
      const b = await t.clerk.sessions.createSession({ userId: user.id } as never);
      if (action === 'ban') await t.clerk.users.banUser(user.id);
      else await t.clerk.users.lockUser(user.id);
      for (const s of [a, b]) expect((await t.clerk.sessions.getSession(s.id)).status).toBe(expected);
      await expectClerkError(t.clerk.sessions.getToken(a.id), 422, 'session_not_active');
    }
    const doomed = await t.clerk.users.createUser({ emailAddress: ['deleted@sessions.test'] });
    const s = await t.clerk.sessions.createSession({ userId: doomed.id } as never);
    await t.clerk.users.deleteUser(doomed.id);
    await expectClerkError(t.clerk.sessions.getSession(s.id), 404, 'resource_not_found');
    const events = await t.server.store.db.selectFrom('events').select(['type', 'subject_user_id']).where('subject_user_id', '=', doomed.id).orderBy('seq').execute();
    expect(events.map((e) => e.type)).toEqual(['user.created', 'session.created', 'session.removed', 'user.deleted']);
  });

  it('removing a password with sign_out_of_other_sessions ends the sessions', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['pw@sessions.test'], password: 'tangerine harbour lights' });
    const s = await t.clerk.sessions.createSession({ userId: user.id } as never);
    await t.clerk.users.removePassword(user.id, { signOutOfOtherSessions: true } as never);
    expect((await t.clerk.sessions.getSession(s.id)).status).toBe('revoked');
  });

  it('drops organization claims once the user leaves the active organization', async () => {
    const member = await t.clerk.users.createUser({ emailAddress: ['leaver@sessions.test'] });
    await t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: member.id, role: 'org:member' });
    const s = await t.clerk.sessions.createSession({ userId: member.id, activeOrganizationId: orgId } as never);
    expect(decodeJwt((await t.clerk.sessions.getToken(s.id)).jwt)['o']).toMatchObject({ id: orgId, rol: 'member', per: 'read', fpm: '1' });
    await t.clerk.organizations.deleteOrganizationMembership({ organizationId: orgId, userId: member.id });
    expect(decodeJwt((await t.clerk.sessions.getToken(s.id)).jwt)['o']).toBeUndefined();
    expect((await t.clerk.sessions.getSession(s.id)).lastActiveOrganizationId).toBeNull();
  });
});

describe('clients and keys', () => {
  it('lists and gets clients with their sessions, and verifies a client token', async () => {
    const session = await t.clerk.sessions.createSession({ userId } as never);
    const client = await t.clerk.clients.getClient(session.clientId);
    expect(client.sessionIds).toEqual([session.id]);
    expect(client.sessions[0]?.id).toBe(session.id);
    const list = await t.clerk.clients.getClientList({ limit: 100 });
    expect(list.data.map((c) => c.id)).toContain(session.clientId);

    const ctx = domainContextFor(t.config, t.server.store);
    const token = await issueClientToken(ctx, session.clientId);
    expect((await t.clerk.clients.verifyClient(token)).id).toBe(session.clientId);
    await issueClientToken(ctx, session.clientId);
    await expectClerkError(t.clerk.clients.verifyClient(token), 422, 'form_param_format_invalid', 'token');
    await expectClerkError(t.clerk.clients.verifyClient('not.a.jwt'), 422, 'form_param_format_invalid', 'token');
    // The secret is what proves the holder: the right client id with a made-up one proves nothing.
    await expectClerkError(t.clerk.clients.verifyClient(`${session.clientId}.${'A'.repeat(43)}`), 422, 'form_param_format_invalid', 'token');
  });

  it('serves the same JWKS publicly and to the Backend API, with RSA-2048 RS256 keys', async () => {
    const bapi = await t.clerk.jwks.getJwks();
    const pub = await (await fetch(`${t.url}/.well-known/jwks.json`)).json();
    expect(pub).toEqual(bapi);
    for (const key of bapi.keys ?? []) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect(Buffer.from((key as { n: string }).n, 'base64url').length).toBe(256);
    }
  });
});

describe('spec conformance of every reply above', () => {
  it('matched the Clerk Backend API spec', () => {
    expect(spec.failures).toEqual([]);
    expect(spec.checked).toBeGreaterThan(30);
  });
});
