import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canary } from '../support/leak-canary.js';
import { takeFindings } from '../support/reply-watch.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident class: private metadata leaking to the browser or into tokens. The suite's leak test is
 * the watch over every reply (support/reply-watch.ts) and the canary every test store plants on
 * users and organizations (support/canary-planting.ts); this proves both catch what they are there
 * to catch, in the places a leak would hide.
 */
const key = new TextEncoder().encode('a key for tokens that only need decoding here');
const token = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);

let server: Server;
let base: string;
const replies = new Map<string, { status?: number; headers?: Record<string, string>; body: string }>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const reply = replies.get(new URL(request.url ?? '/', 'http://x').pathname) ?? { body: '' };
    response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    response.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function watched(path: string): Promise<string[]> {
  takeFindings();
  await (await fetch(`${base}${path}`, { redirect: 'manual' })).text();
  return takeFindings();
}

describe('the reply watch', () => {
  it('catches the canary in a Frontend API body, in a token, and in a token inside a redirect’s token', async () => {
    replies.set('/fapi/v1/me', { body: JSON.stringify({ response: { private_metadata: { x: canary('user') } } }) });
    // (The made-up replies break Clerk's spec too, which the watch also reports.)
    expect(await watched('/fapi/v1/me')).toContainEqual(expect.stringContaining('leaked private metadata'));

    const session = await token({ sub: 'user_1', metadata: canary('claims') });
    replies.set('/fapi/v1/client', { body: JSON.stringify({ response: { last_active_token: { jwt: session } } }) });
    expect(await watched('/fapi/v1/client')).toContainEqual(expect.stringContaining('token claims'));

    const handshake = await token({ handshake: [`__session=${session}; Path=/`] });
    replies.set('/v1/client/handshake', { status: 307, headers: { location: `http://app.test/?__clerk_handshake=${handshake}` }, body: '' });
    expect((await watched('/v1/client/handshake')).join()).toContain('token with private metadata');
    replies.set('/fapi/v1/client/handshake', { status: 307, headers: { location: `http://app.test/?__clerk_handshake=${handshake}` }, body: '' });
    expect((await watched('/fapi/v1/client/handshake')).join()).toContain('leaked private metadata');
  });

  it('lets the Backend API show private metadata, but not put it in the tokens it mints', async () => {
    replies.set('/v1/users/user_1', { body: JSON.stringify({ private_metadata: { x: canary('user') } }) });
    expect(await watched('/v1/users/user_1')).toEqual([]);
    replies.set('/v1/sessions/sess_1/tokens', { body: JSON.stringify({ object: 'token', jwt: await token({ private: canary('minted') }) }) });
    expect(await watched('/v1/sessions/sess_1/tokens')).toEqual([expect.stringContaining('minted a token with private metadata')]);
  });

  it('catches a Frontend API reply that breaks Clerk’s spec', async () => {
    replies.set('/fapi/v1/environment', { body: JSON.stringify({ object: 'environment' }) });
    expect((await watched('/fapi/v1/environment')).join()).toMatch(/GET \/v1\/environment -> 200/);
  });
});

describe('the planted canary', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is on every user and organization created without private metadata, and only those', async () => {
    const plain = await t.clerk.users.createUser({ emailAddress: [`plain.${Date.now()}@watch.test`], skipPasswordRequirement: true });
    const own = await t.clerk.users.createUser({ emailAddress: [`own.${Date.now()}@watch.test`], skipPasswordRequirement: true, privateMetadata: { mine: 1 } });
    expect((await t.clerk.users.getUser(plain.id)).privateMetadata).toEqual({ gatehouse_test: canary('users') });
    expect((await t.clerk.users.getUser(own.id)).privateMetadata).toEqual({ mine: 1 });
    const org = await t.clerk.organizations.createOrganization({ name: 'Watched', createdBy: plain.id });
    expect((await t.clerk.organizations.getOrganization({ organizationId: org.id })).privateMetadata).toEqual({ gatehouse_test: canary('organizations') });
  });
});
