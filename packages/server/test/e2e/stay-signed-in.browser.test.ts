import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { decodeJwt } from 'jose';
import { inBrowser, signInWithPassword, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A person stays signed in past the life of their session token: the token clerk-js left in the
 * app's `__session` cookie runs out while they sit on a server-rendered page, and the next page
 * load goes through the handshake (the app's `@clerk/express` sends the browser to the Frontend
 * API, which answers from the browser's `__client` cookie) and comes back signed in as the same
 * person, on the same session.
 */
const TEST_MS = 300_000;
/** The shortest token life config.ts allows. */
const TOKEN_LIFETIME_SECONDS = 30;
/** How far past `exp` `@clerk/backend` still accepts a token (its default clock skew), plus a second. */
const ACCEPTED_SKEW_SECONDS = 5 + 1;

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp({ GATEHOUSE_SESSION_TOKEN_LIFETIME_SECONDS: String(TOKEN_LIFETIME_SECONDS) });
});

afterAll(async () => {
  await env?.close();
});

describe('staying signed in', () => {
  it(
    'reloads a server-rendered app page after the session token expired and is still signed in, through the handshake',
    async () => {
      const { t, appUrl } = env;
      const email = `stay.${Date.now()}@e2e.test`;
      const password = 'a long-lived browser passphrase 31';
      const user = await t.clerk.users.createUser({ emailAddress: [email], password });

      await inBrowser('e2e-stay-signed-in', async (browser) => {
        const page = browser.page;
        await page.goto(env.signInUrl(), { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, password);
        expect(await env.dashboardUser(page)).toBe(user.id);

        // The token the app reads, from the cookie jar of the app's host: clerk-js wrote it there,
        // and the handshake rewrites it. The Frontend API sets no suffixed `__client_uat`, so
        // `@clerk/express` reads the unsuffixed cookies.
        const sessionCookie = async () => {
          const token = (await browser.context.cookies(appUrl)).find((c) => c.name === '__session')?.value;
          // Read, not trusted: the app's server is what verifies it.
          return token ? (decodeJwt(token) as { sub: string; sid: string; exp: number; iat: number }) : undefined;
        };
        const before = await sessionCookie();
        expect(before?.sub).toBe(user.id);
        expect(before!.exp - before!.iat).toBe(TOKEN_LIFETIME_SECONDS);
        const sessionId = before!.sid;

        // Nothing on the dashboard refreshes the token: wait until the app's server must refuse it.
        await waitFor('the session token to expire', () => Date.now() / 1000 > before!.exp + ACCEPTED_SKEW_SECONDS, (TOKEN_LIFETIME_SECONDS + ACCEPTED_SKEW_SECONDS) * 1000 + BROWSER_WAIT_MS);
        const seen = browser.requests.length;
        await page.reload({ timeout: BROWSER_WAIT_MS });
        expect(await env.dashboardUser(page)).toBe(user.id);

        const handshake = browser.requests.slice(seen).find((r) => r.origin === new URL(t.url).origin && r.path === '/fapi/v1/client/handshake');
        expect(handshake?.status).toBe(307);
        const after = await sessionCookie();
        expect(after?.sid).toBe(sessionId);
        // The handshake's token names the app it was made for, as @clerk/express expects.
        expect(decodeJwt((await browser.context.cookies(appUrl)).find((c) => c.name === '__session')!.value).azp).toBe(appUrl);
        expect(after!.exp).toBeGreaterThan(Date.now() / 1000);
        expect(env.appViews.at(-1)).toMatchObject({ userId: user.id, sessionId });
        expect((await t.clerk.sessions.getSession(sessionId)).status).toBe('active');
        expect((await t.clerk.sessions.getSessionList({ userId: user.id, status: 'active' })).data.map((s) => s.id)).toEqual([sessionId]);
        expect(browser.cspViolations).toEqual([]);
        await browser.screenshot('e2e-stay-signed-in');
      });
    },
    TEST_MS,
  );
});
