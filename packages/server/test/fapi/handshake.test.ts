/**
 * The handshake, end to end with `@clerk/express`: a page request whose `__session` cookie has
 * expired goes to the Frontend API, which answers for the browser's client; the app's server
 * collects the fresh cookies by nonce through the Backend API and serves the page signed in.
 */
import { decodeJwt } from 'jose';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clerkMiddleware, getAuth } from '@clerk/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { mintSessionToken } from '../../src/domain/sessions/session-token.js';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

process.env.CLERK_TELEMETRY_DISABLED = '1';

let t: TestServer;
let app: http.Server;
let appUrl: string;

beforeAll(async () => {
  t = await startTestServer();
  // The SDK collects the handshake payload with its default client, configured from the
  // environment as an app deployed with Clerk's docs would be.
  process.env.CLERK_SECRET_KEY = t.secretKey;
  process.env.CLERK_API_URL = t.url;
  const web = express();
  web.use(clerkMiddleware({ secretKey: t.secretKey, publishableKey: publishableKeyFor(new URL(t.url)), apiUrl: t.url, proxyUrl: `${t.url}/fapi` }));
  web.get('/page', (req, res) => {
    res.json({ userId: getAuth(req).userId });
  });
  app = web.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => app.once('listening', () => resolve()));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  // The app's origin may receive the browser back from the handshake.
  t.server.ctx.allowedOrigins = () => [new URL(t.url).origin, appUrl];
});

afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve));
  await t?.close();
});

const PASSWORD = 'correct horse battery staple 42';

/** A document navigation, as a browser makes it, carrying the given cookies; redirects are not followed. */
async function navigate(url: string, cookies: string): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { cookie: cookies, accept: 'text/html', 'sec-fetch-dest': 'document' } });
}

function cookieValue(setCookies: string[], name: string): string | undefined {
  const line = setCookies.find((c) => c.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';')[0];
}

describe('the handshake', () => {
  it('refreshes an expired session cookie on a page load instead of signing the person out', async () => {
    const email = `handshake.${Date.now()}@signin.test`;
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const b = new FapiBrowser(t.url);
    const signIn = (await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD })).body.response as SignInJSON;
    const sessionId = signIn.created_session_id!;

    // A token that ran out two minutes ago, as the app's cookie would hold after a long pause.
    const past = { ...t.server.ctx, now: () => Date.now() - 180_000 };
    const expired = (await mintSessionToken(past, sessionId)).jwt;
    const appCookies = `__session=${expired}; __client_uat=${b.cookies.get('__client_uat')}`;

    const first = await navigate(`${appUrl}/page`, appCookies);
    expect(first.status).toBe(307);
    const handshakeUrl = new URL(first.headers.get('location')!);
    expect(handshakeUrl.href.startsWith(`${t.url}/fapi/v1/client/handshake`)).toBe(true);

    // The browser follows to the Frontend API with its client cookie.
    const fapi = await navigate(handshakeUrl.href, b.cookieHeader());
    expect(fapi.status).toBe(307);
    const back = new URL(fapi.headers.get('location')!);
    expect(back.origin).toBe(appUrl);
    expect(back.searchParams.get('__clerk_handshake_nonce') ?? back.searchParams.get('__clerk_handshake')).toBeTruthy();

    const final = await navigate(back.href, appCookies);
    const setCookies = final.headers.getSetCookie();
    const fresh = cookieValue(setCookies, '__session');
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(expired);
    // The token is for the app the browser goes back to.
    expect(decodeJwt(fresh!).azp).toBe(appUrl);
    let body: { userId: string | null };
    if (final.status === 307) {
      // The SDK may redirect once more to drop the handshake parameters; the new cookie rides along.
      const again = await navigate(new URL(final.headers.get('location')!, appUrl).href, `__session=${fresh}; __client_uat=${cookieValue(setCookies, '__client_uat')}`);
      body = (await again.json()) as { userId: string | null };
    } else {
      body = (await final.json()) as { userId: string | null };
    }
    expect(body.userId).toBe(user.id);

    // A nonce works once.
    const nonce = back.searchParams.get('__clerk_handshake_nonce');
    if (nonce) {
      const replay = await t.request('GET', `/v1/clients/handshake_payload?nonce=${encodeURIComponent(nonce)}`);
      expect(replay.status).toBe(404);
    }
  });

  it('answers a signed-out browser with cleared cookies, and refuses a redirect to a foreign origin', async () => {
    const b = new FapiBrowser(t.url);
    const signedOut = await navigate(`${t.url}/fapi/v1/client/handshake?redirect_url=${encodeURIComponent(`${appUrl}/page`)}&format=nonce`, '');
    expect(signedOut.status).toBe(307);
    const nonce = new URL(signedOut.headers.get('location')!).searchParams.get('__clerk_handshake_nonce')!;
    const payload = await t.request('GET', `/v1/clients/handshake_payload?nonce=${encodeURIComponent(nonce)}`);
    expect(payload.status).toBe(200);
    const directives = (payload.body as { directives: string[] }).directives;
    expect(directives).toContain('__client_uat=0; Path=/; SameSite=Lax; Max-Age=315360000');
    expect(directives.some((d) => d.startsWith('__session=;') && d.includes('Max-Age=0'))).toBe(true);

    const foreign = await navigate(`${t.url}/fapi/v1/client/handshake?redirect_url=${encodeURIComponent('https://evil.example/page')}&format=nonce`, b.cookieHeader());
    expect(foreign.status).toBe(422);
    expect(foreign.headers.get('location')).toBeNull();
  });
});
