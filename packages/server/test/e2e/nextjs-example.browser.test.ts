import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { BROWSER_WAIT_MS, openBrowser } from '../support/browser.js';
import { NEXT_BUILD_MS, buildNextExample, freePort, nextExampleEnv, startNextExample, type NextExample } from '../support/nextjs-example.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The Next.js example (examples/nextjs), built with `next build` and served by `next start`, pointed
 * at Gatehouse by environment variables only: Clerk's `<SignIn/>` on the app's own `/sign-in`, then
 * `/dashboard` (protected by `clerkMiddleware` in proxy.ts) shows who signed in, and signed out it
 * sends people back to `/sign-in`. Assertions are on Gatehouse's users and sessions, and on which
 * hosts the browser talked to, not only on the page.
 */
const TEST_MS = 240_000;

let t: TestServer;
let app: NextExample;

beforeAll(async () => {
  const build = await buildNextExample();
  console.info(build.built ? `built examples/nextjs in ${(build.ms / 1000).toFixed(1)} s` : 'examples/nextjs was already built from these sources');
  const port = await freePort();
  t = await startTestServer({ GATEHOUSE_ALLOWED_ORIGINS: `http://127.0.0.1:${port}` });
  app = await startNextExample(port, nextExampleEnv({ url: t.url, secretKey: t.secretKey, publishableKey: publishableKeyFor(new URL(t.url)) }));
}, NEXT_BUILD_MS + 60_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('the Next.js example', () => {
  it(
    'sends a signed-out visitor of /dashboard to its own /sign-in, lets them in with <SignIn/>, and sends them back once signed out',
    async () => {
      const email = `next.${Date.now()}@e2e.test`;
      const password = 'a next-typed passphrase 41';
      const user = await t.clerk.users.createUser({ emailAddress: [email], password });
      const browser = await openBrowser();
      try {
        const page = browser.page;
        await page.goto(`${app.url}/dashboard`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${app.url}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        expect(new URL(page.url()).searchParams.get('redirect_url')).toBe(`${app.url}/dashboard`);

        const signIn = page.locator('.cl-signIn-root');
        await signIn.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
        await signIn.getByRole('button', { name: 'Continue', exact: true }).click();
        await page.getByLabel('Password', { exact: true }).fill(password, { timeout: BROWSER_WAIT_MS });
        await page.getByRole('button', { name: 'Continue', exact: true }).click();

        await page.waitForURL(`${app.url}/dashboard`, { timeout: BROWSER_WAIT_MS });
        const active = await waitFor(
          'an active session in Gatehouse',
          async () => (await t.clerk.sessions.getSessionList({ userId: user.id, status: 'active' })).data[0],
          BROWSER_WAIT_MS,
        );
        // What the app's server read from its own cookies (auth()) and from the Backend API (currentUser()).
        expect(await page.locator('#user').textContent({ timeout: BROWSER_WAIT_MS })).toBe(user.id);
        expect(await page.locator('#session').textContent()).toBe(active.id);
        expect(await page.locator('#email').textContent()).toBe(email);
        await browser.screenshot('e2e-nextjs-dashboard');
        // The example's <OrganizationSwitcher/> and <UserButton/> render for the signed-in person.
        await page.locator('.cl-organizationSwitcherTrigger').waitFor({ timeout: BROWSER_WAIT_MS });
        await page.locator('.cl-userButtonTrigger').click({ timeout: BROWSER_WAIT_MS });
        await page.locator('.cl-userButtonPopoverCard').getByText(email).waitFor({ timeout: BROWSER_WAIT_MS });
        await page.keyboard.press('Escape');

        await page.getByRole('button', { name: 'Sign out' }).click();
        await waitFor('the session to end in Gatehouse', async () => ((await t.clerk.sessions.getSession(active.id)).status === 'ended' ? true : undefined), BROWSER_WAIT_MS);
        await page.waitForURL(`${app.url}/`, { timeout: BROWSER_WAIT_MS });
        await page.goto(`${app.url}/dashboard`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${app.url}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await page.locator('.cl-signIn-root').getByLabel('Email address').waitFor({ timeout: BROWSER_WAIT_MS });

        // Everything came from the app and from Gatehouse: no CDN, no telemetry, no Clerk hosts.
        const hosts = new Set(browser.requests.filter((r) => r.origin.startsWith('http')).map((r) => r.origin));
        expect([...hosts].sort()).toEqual([app.url, new URL(t.url).origin].sort());
        expect(await browser.fapiSpecFailures()).toEqual([]);
        expect(browser.cspViolations).toEqual([]);
        await browser.screenshot('e2e-nextjs-signed-out');
      } catch (error) {
        console.error('requests:', browser.requests.map((r) => `${r.method} ${r.url} ${r.status ?? r.failure ?? '…'}`).join('\n'));
        console.error('console:', JSON.stringify(browser.console.slice(-20), null, 1));
        console.error('next start:', app.output.join('').slice(-4000));
        await browser.screenshot('e2e-nextjs-failure').catch(() => undefined);
        throw error;
      } finally {
        await browser.close();
      }
    },
    TEST_MS,
  );
});
