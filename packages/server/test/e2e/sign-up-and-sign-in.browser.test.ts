import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { inBrowser, signInWithPassword, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A person signs up on Gatehouse's hosted page, in Debian's Chromium, with Clerk's own components;
 * the code arrives over SMTP at a real peer; the app they land on is the Express example
 * (examples/express), which reads who they are from its own cookies. They sign out there, and sign
 * in again on the example's own `/sign-in`, where its `/dashboard` sends them when signed out.
 * Assertions are on server state (the user, the session) and on what the app's server saw.
 */
const TEST_MS = 240_000;

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp({}, { app: 'express-example' });
});

afterAll(async () => {
  await env?.close();
});

describe('signing up on the hosted page and in on the Express example', () => {
  it(
    "signs up with email, password and an emailed code, lands on the app signed in, signs out there, and signs in again with the password on the app's own page",
    async () => {
      const { t } = env;
      const email = `browser.${Date.now()}@e2e.test`;
      const password = 'a browser-typed passphrase 77';
      await inBrowser('e2e-sign-up-and-sign-in', async (browser) => {
        const page = browser.page;
        await page.goto(`${t.url}/sign-up?redirect_url=${encodeURIComponent(`${env.appUrl}/dashboard`)}`, { timeout: BROWSER_WAIT_MS });
        const card = page.locator('.cl-signUp-root');
        await card.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
        await card.getByLabel('Password', { exact: true }).fill(password);
        // <SignUp/> checks the password as it is typed and ignores a submit until the check is done.
        await card.locator('#password-success-feedback').waitFor({ timeout: BROWSER_WAIT_MS });
        const seen = env.smtp.received.length;
        await card.getByRole('button', { name: 'Continue', exact: true }).click();
        const code = await env.codeFor(email, seen);
        await page.getByText('Verify your email').waitFor({ timeout: BROWSER_WAIT_MS });
        await page.keyboard.type(code);

        const shown = await env.dashboardUser(page);
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
        await page.waitForURL(`${env.appUrl}/`, { timeout: BROWSER_WAIT_MS });
        await page.goto(`${env.appUrl}/sign-up`, { timeout: BROWSER_WAIT_MS });
        await page.locator('.cl-signUp-root').getByLabel('Email address').waitFor({ timeout: BROWSER_WAIT_MS });
        await page.goto(`${env.appUrl}/dashboard`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${env.appUrl}/sign-in?redirect_url=%2Fdashboard`, { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, password);
        expect(await env.dashboardUser(page)).toBe(user.id);
        const after = (await t.clerk.sessions.getSessionList({ userId: user.id })).data.filter((s) => s.status === 'active');
        expect(after).toHaveLength(1);
        expect(after[0]!.id).not.toBe(sessions[0]!.id);
        expect(await page.locator('#session').textContent()).toBe(after[0]!.id);
        expect(await page.locator('#email').textContent()).toBe(email);
        expect(env.appViews.at(-1)).toMatchObject({ userId: user.id, sessionId: after[0]!.id });
        expect(browser.cspViolations).toEqual([]);
        await browser.screenshot('e2e-sign-in-dashboard');
      });
    },
    TEST_MS,
  );
});
