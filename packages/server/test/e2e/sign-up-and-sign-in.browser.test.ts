import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clerkMiddleware, getAuth } from '@clerk/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { BROWSER_WAIT_MS, openBrowser, type BrowserSession } from '../support/browser.js';
import { SmtpPeer } from '../support/smtp-peer.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A person signs up and signs in on Gatehouse's hosted pages, in Debian's Chromium, with Clerk's
 * own components; the code arrives over SMTP at a real peer; the app they land on is an
 * `@clerk/express` app that reads who they are from its own cookies. Assertions are on server
 * state (the user, the session) and on what the app's server saw, not on what the page shows.
 */
process.env.CLERK_TELEMETRY_DISABLED = '1';
const TEST_MS = 240_000;

let smtp: SmtpPeer;
let t: TestServer;
let app: http.Server;
let appUrl: string;

beforeAll(async () => {
  smtp = new SmtpPeer();
  const smtpPort = await smtp.listen();
  const appServer = http.createServer();
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  t = await startTestServer({ GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, GATEHOUSE_ALLOWED_ORIGINS: appUrl });
  process.env.CLERK_SECRET_KEY = t.secretKey;
  process.env.CLERK_API_URL = t.url;
  const web = express();
  web.use(clerkMiddleware({ secretKey: t.secretKey, publishableKey: publishableKeyFor(new URL(t.url)), apiUrl: t.url, proxyUrl: `${t.url}/fapi` }));
  web.get('/dashboard', (req, res) => {
    const auth = getAuth(req);
    res.type('html').send(`<!doctype html><title>Dashboard</title><p id="user">${auth.userId ?? 'signed-out'}</p>`);
  });
  appServer.on('request', web);
  app = appServer;
});

afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve));
  await t?.close();
  await smtp?.close();
});

async function codeFor(email: string, seen: number): Promise<string> {
  return waitFor(
    `a code mailed to ${email}`,
    () => {
      const mail = smtp.received.slice(seen).find((m) => m.envelopeTo.includes(email));
      return mail?.text?.match(/\b(\d{6})\b/)?.[1];
    },
    BROWSER_WAIT_MS,
  );
}

async function dashboardUser(browser: BrowserSession): Promise<string> {
  await browser.page.waitForURL(`${appUrl}/dashboard**`, { timeout: BROWSER_WAIT_MS });
  return (await browser.page.locator('#user').textContent({ timeout: BROWSER_WAIT_MS })) ?? '';
}

describe('signing up and in on the hosted pages', () => {
  it(
    'signs up with email, password and an emailed code, lands on the app signed in, and signs in again with the password',
    async () => {
      const browser = await openBrowser();
      const email = `browser.${Date.now()}@e2e.test`;
      const password = 'a browser-typed passphrase 77';
      try {
        const page = browser.page;
        await page.goto(`${t.url}/sign-up?redirect_url=${encodeURIComponent(`${appUrl}/dashboard`)}`, { timeout: BROWSER_WAIT_MS });
        const card = page.locator('.cl-signUp-root');
        await card.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
        await card.getByLabel('Password', { exact: true }).fill(password);
        const seen = smtp.received.length;
        await card.getByRole('button', { name: 'Continue', exact: true }).click();
        const code = await codeFor(email, seen);
        await page.getByText('Verify your email').waitFor({ timeout: BROWSER_WAIT_MS });
        await page.keyboard.type(code);

        const shown = await dashboardUser(browser);
        const users = (await t.clerk.users.getUserList({ emailAddress: [email] })).data;
        expect(users).toHaveLength(1);
        const user = users[0]!;
        expect(shown).toBe(user.id);
        expect(user.emailAddresses[0]?.verification?.status).toBe('verified');
        const sessions = (await t.clerk.sessions.getSessionList({ userId: user.id })).data;
        expect(sessions.filter((s) => s.status === 'active')).toHaveLength(1);
        await browser.screenshot('e2e-sign-up-dashboard');

        // Sign out from the browser's client, then sign in again with the password.
        await page.goto(`${t.url}/sign-in?redirect_url=${encodeURIComponent(`${appUrl}/dashboard`)}`, { timeout: BROWSER_WAIT_MS });
        // Sign out with the browser's own cookies, as clerk-js's signOut() sends it: a page with
        // Clerk's components would itself navigate away while signed in and race the call.
        const out = await browser.context.request.post(`${t.url}/fapi/v1/client/sessions?_method=DELETE`, { headers: { origin: new URL(t.url).origin } });
        expect(out.status()).toBe(200);
        await waitFor('the session to end', async () => ((await t.clerk.sessions.getSession(sessions[0]!.id)).status === 'ended' ? true : undefined), BROWSER_WAIT_MS);
        await page.goto(`${t.url}/sign-in?redirect_url=${encodeURIComponent(`${appUrl}/dashboard`)}`, { timeout: BROWSER_WAIT_MS });
        const signIn = page.locator('.cl-signIn-root');
        await signIn.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
        await signIn.getByRole('button', { name: 'Continue', exact: true }).click();
        await page.getByLabel('Password', { exact: true }).fill(password, { timeout: BROWSER_WAIT_MS });
        await page.getByRole('button', { name: 'Continue', exact: true }).click();
        expect(await dashboardUser(browser)).toBe(user.id);
        const after = (await t.clerk.sessions.getSessionList({ userId: user.id })).data.filter((s) => s.status === 'active');
        expect(after).toHaveLength(1);
        expect(after[0]!.id).not.toBe(sessions[0]!.id);
        expect(browser.cspViolations).toEqual([]);
        await browser.screenshot('e2e-sign-in-dashboard');
      } catch (error) {
        console.error('requests:', browser.requests.map((r) => `${r.method} ${r.url} ${r.status ?? r.failure ?? '…'}`).join('\n'));
        console.error('console:', JSON.stringify(browser.console.slice(-20), null, 1));
        await browser.screenshot('e2e-failure').catch(() => undefined);
        throw error;
      } finally {
        await browser.close();
      }
    },
    TEST_MS,
  );
});
