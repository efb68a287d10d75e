import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { FapiBrowser, type ClientJSON, type SignInJSON } from '../support/fapi-client.js';
import { inBrowser, startHostedApp, type HostedApp } from '../support/hosted-app.js';

/**
 * A person who forgot their password resets it by an emailed code through Clerk's `<SignIn/>`
 * ("Forgot password?"), choosing to sign out of their other devices, and lands on the app signed
 * in. The other device — another browser's client of the Frontend API — loses its session, the
 * old password stops working and the new one works.
 */
const TEST_MS = 240_000;

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp();
});

afterAll(async () => {
  await env?.close();
});

/** Another browser signing in with the Frontend API, as clerk-js would. */
async function signInElsewhere(email: string, password: string): Promise<{ device: FapiBrowser; signIn: SignInJSON; status: number; code: string | undefined }> {
  const device = new FapiBrowser(env.t.url);
  const reply = await device.call('POST', '/client/sign_ins', { identifier: email, password });
  return { device, signIn: reply.body.response as SignInJSON, status: reply.status, code: reply.body.errors?.[0]?.code };
}

describe('resetting a forgotten password', () => {
  it(
    'resets the password with an emailed code, signs out of the other devices, and ends signed in',
    async () => {
      const { t } = env;
      const email = `reset.${Date.now()}@e2e.test`;
      const oldPassword = 'a forgotten passphrase of 2019';
      const newPassword = 'a freshly chosen passphrase 93 lark';
      const user = await t.clerk.users.createUser({ emailAddress: [email], password: oldPassword });

      const elsewhere = await signInElsewhere(email, oldPassword);
      expect(elsewhere.signIn.status).toBe('complete');
      const otherSessionId = elsewhere.signIn.created_session_id!;
      expect((await t.clerk.sessions.getSession(otherSessionId)).status).toBe('active');

      await inBrowser('e2e-password-reset', async (browser) => {
        const page = browser.page;
        await page.goto(env.signInUrl(), { timeout: BROWSER_WAIT_MS });
        const card = page.locator('.cl-signIn-root');
        await card.getByLabel('Email address').fill(email, { timeout: BROWSER_WAIT_MS });
        await card.getByRole('button', { name: 'Continue', exact: true }).click();
        await card.getByRole('link', { name: 'Forgot password?' }).click({ timeout: BROWSER_WAIT_MS });
        const seen = env.smtp.received.length;
        await card.getByRole('button', { name: 'Reset your password' }).click({ timeout: BROWSER_WAIT_MS });
        const code = await env.codeFor(email, seen);
        await card.getByText('Reset password', { exact: true }).waitFor({ timeout: BROWSER_WAIT_MS });
        await page.keyboard.type(code);

        await card.getByLabel('New password').fill(newPassword, { timeout: BROWSER_WAIT_MS });
        await card.getByLabel('Confirm password').fill(newPassword);
        const signOutOthers = card.getByLabel('Sign out of all other devices');
        if (!(await signOutOthers.isChecked())) await signOutOthers.check();
        await card.getByRole('button', { name: 'Reset Password' }).click();

        expect(await env.dashboardUser(page)).toBe(user.id);
        const active = (await t.clerk.sessions.getSessionList({ userId: user.id, status: 'active' })).data;
        expect(active).toHaveLength(1);
        expect(active[0]!.id).not.toBe(otherSessionId);
        expect(env.appViews.at(-1)).toMatchObject({ userId: user.id, sessionId: active[0]!.id });
        expect(browser.cspViolations).toEqual([]);
        await browser.screenshot('e2e-password-reset-dashboard');
      });

      // The other device's session was revoked on the server, and its client no longer holds it.
      expect((await t.clerk.sessions.getSession(otherSessionId)).status).toBe('revoked');
      const otherClient = (await elsewhere.device.call('GET', '/client')).body.response as ClientJSON;
      expect(otherClient.sessions.filter((s) => s.status === 'active')).toEqual([]);
      const refresh = await elsewhere.device.call('POST', `/client/sessions/${otherSessionId}/tokens`);
      expect(refresh.status).toBeGreaterThanOrEqual(400);
      expect(refresh.body.jwt).toBeUndefined();

      const withOld = await signInElsewhere(email, oldPassword);
      expect(withOld.status).toBe(422);
      expect(withOld.code).toBe('form_password_incorrect');
      const withNew = await signInElsewhere(email, newPassword);
      expect(withNew.signIn.status).toBe('complete');
      for (const device of [elsewhere.device, withOld.device, withNew.device]) expect(device.specFailures).toEqual([]);
    },
    TEST_MS,
  );
});
