import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, createApp } from '../../../../examples/express/src/app.js';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { BROWSER_WAIT_MS, openBrowser, type BrowserSession } from '../support/browser.js';
import { SmtpPeer } from '../support/smtp-peer.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A person signs up on Gatehouse's hosted page, in Debian's Chromium, with Clerk's own components;
 * the code arrives over SMTP at a real peer; the app they land on is the Express example
 * (examples/express), which reads who they are from its own cookies. They sign out there, and sign
 * in again on the example's own `/sign-in`, where its `/dashboard` sends them when signed out.
 * Assertions are on server state (the user, the session) and on what the app's server saw, not
 * on what the page shows.
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
  // What README.md tells an operator to set, read as the example's `npm start` reads it.
  const config = configFromEnv({
    CLERK_PUBLISHABLE_KEY: publishableKeyFor(new URL(t.url)),
    CLERK_SECRET_KEY: t.secretKey,
    CLERK_API_URL: t.url,
    CLERK_PROXY_URL: `${t.url}/fapi`,
  });
  appServer.on('request', createApp(config));
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

describe('signing up on the hosted page and in on the Express example', () => {
  it(
    'signs up with email, password and an emailed code, lands on the app signed in, signs out there, and signs in again with the password on the app\'s own page',
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

        // Sign out on the app's dashboard (clerk-js on the app's origin, Gatehouse's Frontend API
        // across origins), then come back to the dashboard: the app sends the person to its own
        // sign-in page, and back to the dashboard once signed in with the password.
        await page.getByRole('button', { name: 'Sign out' }).click();
        await waitFor('the session to end', async () => ((await t.clerk.sessions.getSession(sessions[0]!.id)).status === 'ended' ? true : undefined), BROWSER_WAIT_MS);
        await page.waitForURL(`${appUrl}/`, { timeout: BROWSER_WAIT_MS });
        await page.goto(`${appUrl}/sign-up`, { timeout: BROWSER_WAIT_MS });
        await page.locator('.cl-signUp-root').getByLabel('Email address').waitFor({ timeout: BROWSER_WAIT_MS });
        await page.goto(`${appUrl}/dashboard`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${appUrl}/sign-in?redirect_url=%2Fdashboard`, { timeout: BROWSER_WAIT_MS });
        const signIn = page.locator('.cl-signIn-root');
        await signIn.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
        await signIn.getByRole('button', { name: 'Continue', exact: true }).click();
        await page.getByLabel('Password', { exact: true }).fill(password, { timeout: BROWSER_WAIT_MS });
        await page.getByRole('button', { name: 'Continue', exact: true }).click();
        expect(await dashboardUser(browser)).toBe(user.id);
        const after = (await t.clerk.sessions.getSessionList({ userId: user.id })).data.filter((s) => s.status === 'active');
        expect(after).toHaveLength(1);
        expect(after[0]!.id).not.toBe(sessions[0]!.id);
        expect(await page.locator('#session').textContent()).toBe(after[0]!.id);
        expect(await page.locator('#email').textContent()).toBe(email);
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
