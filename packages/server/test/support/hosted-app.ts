import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clerkMiddleware, getAuth } from '@clerk/express';
import express from 'express';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { configFromEnv, createApp } from '../../../../examples/express/src/app.js';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { BROWSER_WAIT_MS, openBrowser, type BrowserSession } from './browser.js';
import { SmtpPeer } from './smtp-peer.js';
import { startTestServer, type TestServer } from './test-server.js';
import { waitFor } from './wait-for.js';

/**
 * What the end-to-end tests run against: Gatehouse with its hosted pages, a real SMTP peer its
 * mail goes to, and an `@clerk/express` app on its own port whose `/dashboard` is rendered on the
 * server from `getAuth()` — so what it shows is what the app's server believes, read from the
 * cookies clerk-js and the Frontend API left on the app's host.
 *
 *   const env = await startHostedApp();
 *   await page.goto(env.signInUrl());
 *   …
 *   expect(await env.dashboardUser(page)).toBe(user.id);
 */
export interface HostedApp {
  t: TestServer;
  smtp: SmtpPeer;
  /** The app's origin (`http://127.0.0.1:<port>`). */
  appUrl: string;
  /** Every page the app's server rendered, with who it said was signed in. */
  appViews: { path: string; userId: string | null; sessionId: string | null; orgId: string | null }[];
  /** The hosted sign-in page, sending the person to the app's dashboard afterwards. */
  signInUrl(): string;
  /** Waits for the page to land on the app's dashboard and returns the user id it shows (`signed-out` when none). */
  dashboardUser(page: Page): Promise<string>;
  /** The first six-digit code mailed to `email` among the messages after the first `seen`. */
  codeFor(email: string, seen: number): Promise<string>;
  /** The first Frontend API link mailed to `email` among the messages after the first `seen`. */
  linkFor(email: string, seen: number): Promise<string>;
  /** The first invitation link mailed to `email` among the messages after the first `seen`. */
  invitationLinkFor(email: string, seen: number): Promise<string>;
  /** Signs the browser out as clerk-js's `signOut()` does, with its own cookies, and waits for the session to end on the server. */
  signOut(browser: BrowserSession, sessionId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * `dashboard`: a page rendered on the server from `getAuth()` and nothing else, so nothing in the
 * browser refreshes its token (what the handshake test needs). `express-example`: the Express
 * example (examples/express), configured as its README says, with clerk-js on its own pages.
 */
export type HostedAppKind = 'dashboard' | 'express-example';

export async function startHostedApp(env: Record<string, string> = {}, options: { app?: HostedAppKind } = {}): Promise<HostedApp> {
  process.env.CLERK_TELEMETRY_DISABLED = '1';
  const smtp = new SmtpPeer();
  const smtpPort = await smtp.listen();
  const appServer = http.createServer();
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  let t: TestServer;
  try {
    t = await startTestServer({ GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, GATEHOUSE_ALLOWED_ORIGINS: appUrl, ...env });
  } catch (error) {
    await new Promise((resolve) => appServer.close(resolve));
    await smtp.close();
    throw error;
  }
  // The SDK collects handshake payloads with its default client, configured from the environment.
  process.env.CLERK_SECRET_KEY = t.secretKey;
  process.env.CLERK_API_URL = t.url;
  const appViews: HostedApp['appViews'] = [];
  const web = express();
  // Who each dashboard view was for, as the app's own middleware read it from the request.
  web.use((req, res, next) => {
    res.on('finish', () => {
      if (req.path !== '/dashboard' || res.statusCode !== 200) return;
      const auth = getAuth(req);
      appViews.push({ path: req.path, userId: auth.userId, sessionId: auth.sessionId, orgId: auth.orgId ?? null });
    });
    next();
  });
  const publishableKey = publishableKeyFor(new URL(t.url));
  if (options.app === 'express-example') {
    // What the example's README tells an operator to set, read as its `npm start` reads it.
    web.use(createApp(configFromEnv({ CLERK_PUBLISHABLE_KEY: publishableKey, CLERK_SECRET_KEY: t.secretKey, CLERK_API_URL: t.url, CLERK_PROXY_URL: `${t.url}/fapi` })));
  } else {
    web.use(clerkMiddleware({ secretKey: t.secretKey, publishableKey, apiUrl: t.url, proxyUrl: `${t.url}/fapi` }));
  }
  web.get('/dashboard', (req, res) => {
    const auth = getAuth(req);
    res
      .type('html')
      .send(
        `<!doctype html><title>Dashboard</title><p id="user">${auth.userId ?? 'signed-out'}</p><p id="session">${auth.sessionId ?? ''}</p>` +
          `<p id="org">${auth.orgId ?? ''}</p><p id="org-role">${auth.orgRole ?? ''}</p>`,
      );
  });
  appServer.on('request', web);

  const mailed = <T>(what: string, email: string, seen: number, pick: (text: string) => T | undefined) =>
    waitFor(
      `${what} mailed to ${email}`,
      () => {
        for (const mail of smtp.received.slice(seen)) {
          const found = mail.envelopeTo.includes(email) && mail.text ? pick(mail.text) : undefined;
          if (found !== undefined) return found;
        }
        return undefined;
      },
      BROWSER_WAIT_MS,
    );

  return {
    t,
    smtp,
    appUrl,
    appViews,
    signInUrl: () => `${t.url}/sign-in?redirect_url=${encodeURIComponent(`${appUrl}/dashboard`)}`,
    async dashboardUser(page) {
      await page.waitForURL(`${appUrl}/dashboard**`, { timeout: BROWSER_WAIT_MS });
      return (await page.locator('#user').textContent({ timeout: BROWSER_WAIT_MS })) ?? '';
    },
    codeFor: (email, seen) => mailed('a code', email, seen, (text) => text.match(/\b(\d{6})\b/)?.[1]),
    linkFor: (email, seen) => mailed('a link', email, seen, (text) => text.match(/https?:\/\/\S+\/fapi\/v1\/verify\?\S+/)?.[0]),
    invitationLinkFor: (email, seen) => mailed('an invitation', email, seen, (text) => text.match(/https?:\/\/\S+\/fapi\/v1\/tickets\/accept\?\S+/)?.[0]),
    async signOut(browser, sessionId) {
      // Sent from the test with the browser's cookies rather than from a page: a page with Clerk's
      // components navigates away by itself while signed in, and would race the call.
      const out = await browser.context.request.post(`${t.url}/fapi/v1/client/sessions?_method=DELETE`, { headers: { origin: new URL(t.url).origin } });
      if (out.status() !== 200) throw new Error(`signing out answered ${out.status()}: ${await out.text()}`);
      await waitFor('the session to end', async () => ((await t.clerk.sessions.getSession(sessionId)).status === 'ended' ? true : undefined), BROWSER_WAIT_MS);
    },
    async close() {
      await new Promise((resolve) => appServer.close(resolve));
      await t.close();
      await smtp.close();
    },
  };
}

/**
 * Runs `steps` in a fresh browser; on failure prints the requests and console of the run and saves
 * a `<name>-failure` screenshot; always closes the browser.
 */
export async function inBrowser(name: string, steps: (browser: BrowserSession) => Promise<void>): Promise<void> {
  const browser = await openBrowser();
  try {
    await steps(browser);
    // Every Frontend API reply Clerk's components got on the way matched Clerk's spec.
    expect(await browser.fapiSpecFailures()).toEqual([]);
  } catch (error) {
    console.error(`${name} requests:\n${browser.requests.map((r) => `${r.method} ${r.url} ${r.status ?? r.failure ?? '…'}`).join('\n')}`);
    console.error(`${name} console:`, JSON.stringify(browser.console.slice(-30), null, 1));
    await browser.screenshot(`${name}-failure`).catch(() => undefined);
    throw error;
  } finally {
    await browser.close();
  }
}

/** Types the email and the password into Clerk's `<SignIn/>` on the page it is showing. */
export async function signInWithPassword(page: Page, email: string, password: string): Promise<void> {
  const card = page.locator('.cl-signIn-root');
  await card.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
  await card.getByRole('button', { name: 'Continue', exact: true }).click();
  await card.getByLabel('Password', { exact: true }).fill(password, { timeout: BROWSER_WAIT_MS });
  await card.getByRole('button', { name: 'Continue', exact: true }).click();
}
