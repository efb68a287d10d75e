import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { inBrowser, signInWithPassword, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Clerk's `<SignIn/>` under strict enumeration protection: an address nobody holds goes on to the
 * password like any other and is told the password is wrong; nobody is created and the mailbox
 * hears of it. A real account still signs in and lands on the app.
 */
const TEST_MS = 180_000;

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp();
  const on = await env.t.request('PATCH', '/v1/instance/user_settings', { body: { attack_protection: { enumeration_protection: true } } });
  expect(on.status).toBe(200);
});

afterAll(async () => {
  await env?.close();
});

describe('enumeration protection in the browser', () => {
  it(
    'answers an unknown address as a wrong password, and still lets a real account in',
    async () => {
      const { t } = env;
      const stamp = Date.now();
      const nobody = `nobody.${stamp}@e2e.test`;
      const email = `somebody.${stamp}@e2e.test`;
      const password = 'a passphrase somebody chose 61';
      const user = await t.clerk.users.createUser({ emailAddress: [email], password });

      await inBrowser('e2e-enumeration-protection', async (browser) => {
        const page = browser.page;
        await page.goto(env.signInUrl(), { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, nobody, 'whatever they typed 42');
        const card = page.locator('.cl-signIn-root');
        await card.locator('#error-password').getByText('Password is incorrect', { exact: false }).waitFor({ timeout: BROWSER_WAIT_MS });
        expect((await t.clerk.users.getUserList({ emailAddress: [nobody] })).totalCount).toBe(0);
        const failed = await waitFor('the refused attempt in the audit log', async () => {
          const audit = (await t.request('GET', '/v1/audit_events?type=sign_in.failed&limit=10')).body as { data: { data: { user_id: string | null; error: string } }[] };
          return audit.data.find((e) => e.data.user_id === null && e.data.error === 'form_password_incorrect');
        });
        expect(failed).toBeDefined();

        await page.goto(env.signInUrl(), { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, password);
        expect(await env.dashboardUser(page)).toBe(user.id);
        expect(await browser.fapiSpecFailures()).toEqual([]);
        expect(browser.cspViolations).toEqual([]);
      });
    },
    TEST_MS,
  );
});
