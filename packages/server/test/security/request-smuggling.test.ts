import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident class: authorization bypass through request headers and path spellings — Next.js's
 * `x-middleware-subrequest`, forwarded-host and method-override headers, and paths that a router
 * and a check might read differently. Nothing of that reaches the Backend API without a key, and
 * a secret key works only in the `Authorization` header.
 */
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

const SMUGGLED_HEADERS: Record<string, string>[] = [
  { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' },
  { 'x-middleware-subrequest': 'src/middleware' },
  { 'x-forwarded-host': 'localhost', 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' },
  { 'x-original-url': '/healthz', 'x-rewrite-url': '/healthz' },
  { 'x-http-method-override': 'GET', 'x-method-override': 'GET' },
  { 'x-clerk-auth-status': 'signed-in', 'x-clerk-auth-token': 'anything' },
];

const ODD_PATHS = ['/v1/users', '/v1//users', '/v1/./users', '/v1/x/../users', '/v1/%75sers', '/V1/users', '/v1/users/', '/v1/users?_method=GET', '//v1/users'];

describe('request smuggling', () => {
  it.each(SMUGGLED_HEADERS.map((h) => [Object.keys(h).join(', '), h]))('ignores %s: the Backend API still wants a key', async (_name, headers) => {
    const reply = await fetch(`${t.url}/v1/users`, { headers });
    expect(reply.status).toBe(401);
    const me = await fetch(`${t.url}/fapi/v1/me`, { headers });
    expect(me.status).toBeGreaterThanOrEqual(400);
    expect(me.status).toBeLessThan(500);
  });

  it.each(ODD_PATHS)('answers %s without a key with a refusal, never the resource', async (path) => {
    const reply = await fetch(`${t.url}${path}`);
    expect([401, 404]).toContain(reply.status);
    expect(((await reply.json()) as { errors?: unknown[] }).errors?.length).toBeGreaterThan(0);
  });

  it('takes a secret key only from the Authorization header', async () => {
    const attempts = [
      fetch(`${t.url}/v1/users?secret_key=${t.secretKey}`),
      fetch(`${t.url}/v1/users`, { headers: { cookie: `__session=${t.secretKey}; secret_key=${t.secretKey}` } }),
      fetch(`${t.url}/v1/users`, { headers: { 'x-api-key': t.secretKey, 'x-clerk-secret-key': t.secretKey } }),
      fetch(`${t.url}/v1/users`, { headers: { authorization: `Basic ${Buffer.from(`${t.secretKey}:`).toString('base64')}` } }),
    ];
    for (const reply of await Promise.all(attempts)) expect(reply.status).toBe(401);
    expect((await fetch(`${t.url}/v1/users`, { headers: { authorization: `Bearer ${t.secretKey}` } })).status).toBe(200);
  });
});
