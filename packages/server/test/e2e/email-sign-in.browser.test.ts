import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { inBrowser, startHostedApp, type HostedApp } from '../support/hosted-app.js';

/**
 * Signing in without the password, through Clerk's `<SignIn/>` on the hosted page: with a code
 * and with a link, both mailed over SMTP to a real peer, and signing out again. Each ends on the
 * `@clerk/express` app's server-rendered dashboard; the assertions are on what the app's server
 * saw and on the sessions Gatehouse holds.
 */
const TEST_MS = 240_000;
const PASSWORD = 'a passphrase nobody types here 58';

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp();
  // Email links are off by default; the instance offers both kinds of first factor by email.
  const changed = await env.t.request('PATCH', '/v1/instance/user_settings', {
    body: { email_address: { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code', 'email_link'], verifications: ['email_code'], verify_at_sign_up: true } },
  });
  if (changed.status !== 200) throw new Error(`instance settings: ${changed.status} ${changed.text}`);
});

afterAll(async () => {
  await env?.close();
});

async function newUser(name: string) {
  const email = `${name}.${Date.now()}@e2e.test`;
  return { email, user: await env.t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD }) };
}

async function activeSessionIds(userId: string): Promise<string[]> {
  return (await env.t.clerk.sessions.getSessionList({ userId, status: 'active' })).data.map((s) => s.id);
}

/**
 * Starts a sign-in with `email` on the hosted page and opens the other methods: the password
 * screen comes first (the preferred strategy), codes and links are among the others.
 */
async function otherMethods(page: Page, email: string): Promise<Locator> {
  await page.goto(env.signInUrl(), { timeout: BROWSER_WAIT_MS });
  const card = page.locator('.cl-signIn-root');
  await card.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
  await card.getByRole('button', { name: 'Continue', exact: true }).click();
  await card.getByRole('link', { name: 'Use another method' }).click({ timeout: BROWSER_WAIT_MS });
  return card;
}

describe('signing in by email', () => {
  it(
    'signs in with a code mailed to the address, then signs out and the app sees it',
    async () => {
      const { email, user } = await newUser('code');
      await inBrowser('e2e-email-code', async (browser) => {
        const page = browser.page;
        const card = await otherMethods(page, email);
        const seen = env.smtp.received.length;
        await card.getByRole('button', { name: `Email code to ${email}` }).click({ timeout: BROWSER_WAIT_MS });
        const code = await env.codeFor(email, seen);
        await card.getByText('Check your email').waitFor({ timeout: BROWSER_WAIT_MS });
        await page.keyboard.type(code);

        expect(await env.dashboardUser(page)).toBe(user.id);
        const sessions = await activeSessionIds(user.id);
        expect(sessions).toHaveLength(1);
        expect(env.appViews.at(-1)).toMatchObject({ userId: user.id, sessionId: sessions[0] });

        await env.signOut(browser, sessions[0]!);
        await page.reload({ timeout: BROWSER_WAIT_MS });
        expect(await env.dashboardUser(page)).toBe('signed-out');
        expect(await activeSessionIds(user.id)).toEqual([]);
        expect(browser.cspViolations).toEqual([]);
        await browser.screenshot('e2e-email-code-signed-out');
      });
    },
    TEST_MS,
  );

  it(
    'signs in with a link mailed to the address, opened in another tab of the same browser',
    async () => {
      const { email, user } = await newUser('link');
      await inBrowser('e2e-email-link', async (browser) => {
        const page = browser.page;
        const card = await otherMethods(page, email);
        const seen = env.smtp.received.length;
        await card.getByRole('button', { name: `Email link to ${email}` }).click({ timeout: BROWSER_WAIT_MS });
        const link = await env.linkFor(email, seen);
        await card.getByText('Check your email').waitFor({ timeout: BROWSER_WAIT_MS });

        // The person opens the mail in another tab of the same browser and follows the link.
        const linkTab = await browser.context.newPage();
        await linkTab.goto(link, { timeout: BROWSER_WAIT_MS });
        // The tab that asked for the link sees the sign-in complete and goes on to the app.
        expect(await env.dashboardUser(page)).toBe(user.id);
        const sessions = await activeSessionIds(user.id);
        expect(sessions).toHaveLength(1);
        expect(env.appViews.at(-1)).toMatchObject({ userId: user.id, sessionId: sessions[0] });
        // The link's own tab was sent back to the hosted page with `__clerk_status=verified`, and
        // Clerk's UI there says so and points back to the first tab.
        expect(browser.requests.find((r) => r.path === '/fapi/v1/verify')?.status).toBe(303);
        expect(new URL(linkTab.url()).searchParams.get('__clerk_status')).toBe('verified');
        await linkTab.getByText('Successfully signed in').waitFor({ timeout: BROWSER_WAIT_MS });
        await browser.screenshot('e2e-email-link-tab');
        await linkTab.close();
        expect(browser.cspViolations).toEqual([]);
        await browser.screenshot('e2e-email-link-dashboard');
      });
    },
    TEST_MS,
  );
});
