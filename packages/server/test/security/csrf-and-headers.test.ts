import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident classes: cross-site request forgery against cookie-authenticated writes, clickjacking
 * and content sniffing of pages, cached credentials, and session cookies readable by scripts or
 * sent across sites. Each defense is checked where a browser meets it.
 */
let t: TestServer;
let secure: TestServer;

beforeAll(async () => {
  [t, secure] = await Promise.all([startTestServer(), startTestServer({ GATEHOUSE_PUBLIC_URL: 'https://auth.example.com' })]);
});

afterAll(async () => {
  await Promise.all([t?.close(), secure?.close()]);
});

function cookieAttributes(setCookie: string[], name: string): Set<string> {
  const line = setCookie.find((c) => c.startsWith(`${name}=`));
  expect(line, `${name} is set`).toBeDefined();
  return new Set(line!.split(';').slice(1).map((a) => a.trim().toLowerCase().split('=')[0]!));
}

describe('cross-site request forgery', () => {
  it('refuses a cookie-authenticated write from another origin, or marked cross-site by the browser', async () => {
    const b = new FapiBrowser(t.url);
    expect((await b.call('POST', '/client/sign_ins', {})).status).toBe(200);
    const foreign = await b.call('POST', '/client/sign_ins', {}, { origin: 'https://evil.example' });
    expect([foreign.status, foreign.body.errors?.[0]?.code]).toEqual([403, 'origin_invalid']);
    const marked = await b.call('POST', '/client/sign_ins', {}, { origin: null, headers: { 'sec-fetch-site': 'cross-site' } });
    expect([marked.status, marked.body.errors?.[0]?.code]).toEqual([403, 'origin_invalid']);
    const deleteAsPost = await b.call('DELETE', '/client/sessions', {}, { origin: 'https://evil.example' });
    expect(deleteAsPost.status).toBe(403);
    // A server or a native app names no origin and no site: it is not a browser being tricked.
    expect((await b.call('POST', '/client/sign_ins', {}, { origin: null })).status).toBe(200);
  });
});

describe('headers and cookies', () => {
  it('keeps every Frontend and Backend API reply out of caches and unsniffed', async () => {
    const b = new FapiBrowser(t.url);
    const fapi = await b.call('GET', '/environment');
    const bapi = await fetch(`${t.url}/v1/users`, { headers: { authorization: `Bearer ${t.secretKey}` } });
    const refused = await fetch(`${t.url}/v1/users`);
    for (const headers of [fapi.headers, bapi.headers, refused.headers]) {
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves the hosted pages unframeable, under a script policy, without leaking the URL onward', async () => {
    const page = await fetch(`${t.url}/sign-in`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src [^;]*'nonce-/);
    expect(csp).not.toMatch(/script-src [^;]*'unsafe-inline'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('sets the client cookie HttpOnly, SameSite=Lax, on every path, and Secure on an https instance', async () => {
    for (const server of [t, secure]) {
      const response = await fetch(`${server.url}/fapi/v1/client/sign_ins`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      const client = cookieAttributes(response.headers.getSetCookie(), '__client');
      expect([...client]).toEqual(expect.arrayContaining(['httponly', 'samesite', 'path']));
      expect(response.headers.getSetCookie().find((c) => c.startsWith('__client='))).toMatch(/SameSite=Lax/i);
      expect(client.has('secure')).toBe(server === secure);
    }
  });
});
