import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedRedirectUrl } from '../../src/domain/redirects.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { APP, HOSTILE_REDIRECTS, LOCAL_APP } from './redirect-corpus.js';

/**
 * Incident class: open redirects, and the session theft they carry when the redirect holds a token
 * (the handshake sends the client's session cookies to `redirect_url`). One validator decides for
 * every route; here the whole corpus is tried against it and against each route that sends a
 * browser on — none may answer with a redirect, or with anything but Clerk's 422 naming
 * `redirect_url`. (The hosted pages fall back to the public URL instead: test/pages.)
 */
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_ALLOWED_ORIGINS: `${APP}, ${LOCAL_APP}` });
});

afterAll(async () => {
  await t?.close();
});

const ROUTES = [
  ['the handshake', (target: string) => `/fapi/v1/client/handshake?redirect_url=${encodeURIComponent(target)}&format=nonce`],
  ['the touch redirect', (target: string) => `/fapi/v1/client/touch?redirect_url=${encodeURIComponent(target)}`],
  ['an emailed link', (target: string) => `/fapi/v1/verify?token=whatever&redirect_url=${encodeURIComponent(target)}`],
] as const;

const label = (value: string) => JSON.stringify(value.length > 50 ? `${value.slice(0, 40)}…` : value);

describe('open redirects', () => {
  it.each(HOSTILE_REDIRECTS.map((v) => [label(v), v]))('refuses %s in the one validator, with or without a base', (_label, value) => {
    expect(allowedRedirectUrl(t.server.ctx, value)).toBeUndefined();
    expect(allowedRedirectUrl(t.server.ctx, value, { base: new URL(APP) })?.href).toBeUndefined();
  });

  it.each(HOSTILE_REDIRECTS.map((v) => [label(v), v]))('sends no browser to %s from any Frontend API redirect', async (_label, value) => {
    for (const [name, path] of ROUTES) {
      const response = await fetch(`${t.url}${path(value)}`, { redirect: 'manual' });
      const body = (await response.json()) as { errors?: { code: string; meta?: { param_name?: string } }[] };
      expect([name, response.status, response.headers.get('location')]).toEqual([name, 422, null]);
      expect(body.errors?.[0]?.meta?.param_name).toBe('redirect_url');
    }
  });

  it('follows the allowed origins, exactly (the control)', async () => {
    expect(allowedRedirectUrl(t.server.ctx, `${APP}/after?x=1`)?.href).toBe(`${APP}/after?x=1`);
    expect(allowedRedirectUrl(t.server.ctx, 'HTTPS://APP.EXAMPLE.COM:443/x')?.href).toBe(`${APP}/x`);
    expect(allowedRedirectUrl(t.server.ctx, '/dashboard', { base: new URL(LOCAL_APP) })?.href).toBe(`${LOCAL_APP}/dashboard`);
    const touched = await fetch(`${t.url}${ROUTES[1][1](`${APP}/after`)}`, { redirect: 'manual' });
    expect([touched.status, touched.headers.get('location')]).toEqual([303, `${APP}/after`]);
  });
});
