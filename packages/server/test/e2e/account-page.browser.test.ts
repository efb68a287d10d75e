import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { inBrowser, signInWithPassword, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The hosted account page, `/user`, with Clerk's `<UserProfile/>`: a signed-out visitor signs in
 * first and comes back; then the person changes their name, adds and verifies a second email
 * address with the code the SMTP peer receives, changes the password, and signs another device
 * out. Every change is read back from the server.
 */
let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp();
  const names = await env.t.request('PATCH', '/v1/instance/user_settings', { body: { first_name: { enabled: true, required: false }, last_name: { enabled: true, required: false } } });
  expect(names.status).toBe(200);
});

afterAll(async () => {
  await env?.close();
});

const LINUX_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

interface UserJSON {
  first_name: string | null;
  email_addresses: { email_address: string; verification: { status: string } | null }[];
}

describe('the account page', () => {
  it(
    'signs a visitor in first, then changes the name, verifies a second address, signs another device out and changes the password',
    async () => {
      const { t } = env;
      const email = `account.${Date.now()}@e2e.test`;
      const second = `account.second.${Date.now()}@e2e.test`;
      const password = 'an account page passphrase 77';
      const newPassword = 'a fresh account passphrase 78';
      const user = await t.clerk.users.createUser({ emailAddress: [email], password, firstName: 'Ada' });
      const stored = async () => (await t.request('GET', `/v1/users/${user.id}`)).body as UserJSON;
      // Another device, signed in before the person opens the page.
      const laptop = new FapiBrowser(t.url, t.url, { 'user-agent': LINUX_CHROME });
      const laptopSession = ((await laptop.call('POST', '/client/sign_ins', { identifier: email, password, strategy: 'password' })).body.response as SignInJSON).created_session_id!;

      await inBrowser('e2e-account-page', async (browser) => {
        const page = browser.page;
        page.setDefaultTimeout(BROWSER_WAIT_MS);
        const profile = page.locator('.cl-userProfile-root');
        await page.goto(`${t.url}/user`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${t.url}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, password);
        await page.waitForURL(`${t.url}/user**`, { timeout: BROWSER_WAIT_MS });

        await profile.getByRole('button', { name: 'Update profile' }).click({ timeout: BROWSER_WAIT_MS });
        await profile.getByLabel('First name').fill('Grace');
        await profile.getByRole('button', { name: 'Save' }).click();
        await waitFor('the new name stored', async () => ((await stored()).first_name === 'Grace' ? true : undefined), BROWSER_WAIT_MS);

        const seen = env.smtp.received.length;
        await profile.getByRole('button', { name: 'Add email address' }).click();
        await profile.getByLabel('Email address').fill(second);
        await profile.getByRole('button', { name: 'Add', exact: true }).click();
        const code = await env.codeFor(second, seen);
        await profile.getByLabel('Enter verification code').fill(code);
        await waitFor(
          'the second address verified',
          async () => ((await stored()).email_addresses.find((e) => e.email_address === second)?.verification?.status === 'verified' ? true : undefined),
          BROWSER_WAIT_MS,
        );

        // The laptop is listed among the active devices with its browser, and is signed out from
        // here — before the password changes, which may sign other devices out by itself.
        await profile.getByRole('button', { name: 'Security' }).click();
        const laptopRow = profile.locator('.cl-activeDeviceListItem, [class*="activeDevice"]').filter({ hasText: 'Chrome 131' }).first();
        await laptopRow.waitFor({ timeout: BROWSER_WAIT_MS });
        const signOutItem = page.getByRole('menuitem', { name: 'Sign out of device' });
        // The list may still be settling when first shown: open its menu until the item is there.
        for (let tries = 0; !(await signOutItem.isVisible()); tries++) {
          if (tries === 5) throw new Error("the device's menu never showed 'Sign out of device'");
          await laptopRow.getByRole('button').last().click();
          await signOutItem.waitFor({ timeout: 5_000 }).catch(() => undefined);
        }
        await signOutItem.click();
        await waitFor('the laptop signed out', async () => ((await t.clerk.sessions.getSession(laptopSession)).status === 'revoked' ? true : undefined), BROWSER_WAIT_MS);

        await profile.getByRole('button', { name: 'Update password' }).click({ timeout: BROWSER_WAIT_MS });
        await profile.getByLabel('Current password').fill(password);
        await profile.getByLabel('New password').fill(newPassword);
        await profile.getByLabel('Confirm password').fill(newPassword);
        const before = ((await t.request('GET', `/v1/users/${user.id}`)).body as { password_last_updated_at: number | null }).password_last_updated_at;
        await profile.getByRole('button', { name: 'Save' }).click();
        // Read the change, not a guess at it: a wrong password probe would spend lockout attempts.
        await waitFor(
          'the new password stored',
          async () => (((await t.request('GET', `/v1/users/${user.id}`)).body as { password_last_updated_at: number | null }).password_last_updated_at !== before ? true : undefined),
          BROWSER_WAIT_MS,
        );
        expect((await t.request('POST', `/v1/users/${user.id}/verify_password`, { body: { password: newPassword } })).status).toBe(200);

        // The account page runs Clerk's component under the same policy as the sign-in pages.
        expect(browser.cspViolations).toEqual([]);
      });
      expect((await laptop.call('POST', `/client/sessions/${laptopSession}/tokens`)).status).not.toBe(200);
      expect((await t.request('POST', `/v1/users/${user.id}/verify_password`, { body: { password } })).status).toBe(422);
    },
    240_000,
  );
});
