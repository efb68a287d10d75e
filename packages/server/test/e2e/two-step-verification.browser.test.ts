import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { inBrowser, signInWithPassword, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Two-step verification on the hosted pages with Clerk's components: the person adds an
 * authenticator app on `/user` (the test plays the app, computing codes from the key the page
 * shows) and keeps the backup codes it shows; signing in again then takes the password and a code
 * from the app, and another time a backup code, which the server then refuses for good. Where
 * everyone must have it, someone without it who signs in to the Express example is taken to set it
 * up before the app lets them in.
 */
const TEST_MS = 240_000;
const PASSWORD = 'a two step passphrase 64';

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp({}, { app: 'express-example' });
});

afterAll(async () => {
  await env?.close();
});

/** What the authenticator app shows, `steps` steps of 30 s from now. */
function appCode(secret: string, steps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + steps * 30_000 });
}

interface UserJSON {
  two_factor_enabled: boolean;
  totp_enabled: boolean;
  backup_code_enabled: boolean;
}

describe('two-step verification in the browser', () => {
  it(
    'enrolls an app on the account page, then signs in with password and code, and with a backup code used once',
    async () => {
      const { t } = env;
      const email = `two.step.${Date.now()}@e2e.test`;
      const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
      const stored = async () => (await t.request('GET', `/v1/users/${user.id}`)).body as UserJSON;
      const activeSessions = async () => (await t.clerk.sessions.getSessionList({ userId: user.id, status: 'active' })).data.map((s) => s.id);
      let spent = '';

      await inBrowser('e2e-two-step', async (browser) => {
        const page = browser.page;
        page.setDefaultTimeout(BROWSER_WAIT_MS);
        const profile = page.locator('.cl-userProfile-root');
        await page.goto(`${t.url}/user`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${t.url}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, PASSWORD);
        await page.waitForURL(`${t.url}/user**`, { timeout: BROWSER_WAIT_MS });

        // Security → Add two-step verification → Authenticator application, with the key typed in.
        await profile.getByRole('button', { name: 'Security' }).click();
        await profile.getByRole('button', { name: 'Add two-step verification' }).click();
        await page.getByText('Authenticator application').click();
        await profile.getByRole('button', { name: 'Can’t scan QR code?' }).click();
        const secret = await waitFor('the key on the page', async () => {
          const values = await Promise.all((await profile.locator('input').all()).map((input) => input.inputValue()));
          return values.find((v) => /^[A-Z2-7]{32}$/.test(v));
        }, BROWSER_WAIT_MS);
        await profile.getByRole('button', { name: 'Continue' }).click();
        await profile.getByLabel('Enter verification code').fill(appCode(secret));
        await waitFor('two-step verification on', async () => ((await stored()).totp_enabled ? true : undefined), BROWSER_WAIT_MS);
        expect(await stored()).toMatchObject({ two_factor_enabled: true, totp_enabled: true, backup_code_enabled: true });
        await profile.getByText('Two-step verification is now enabled').waitFor();
        const shown = (await profile.innerText()).split('\n').map((line) => line.trim()).filter((line) => /^[a-km-np-z2-9]{14}$/.test(line));
        expect(shown).toHaveLength(10);
        await profile.getByRole('button', { name: 'Finish' }).click();

        // Signed out, then in again: the password is not enough.
        const [first] = await activeSessions();
        await env.signOut(browser, first!);
        await page.goto(`${t.url}/user`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${t.url}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, PASSWORD);
        const card = page.locator('.cl-signIn-root');
        // The enrollment spent the app's current code: the person types the next one.
        await card.getByLabel('Enter verification code').fill(appCode(secret, 1));
        await page.waitForURL(`${t.url}/user**`, { timeout: BROWSER_WAIT_MS });
        const [second] = await waitFor('a session from the second factor', async () => {
          const ids = await activeSessions();
          return ids.length === 1 && ids[0] !== first ? ids : undefined;
        }, BROWSER_WAIT_MS);
        const session = await t.clerk.sessions.getSession(second!);
        expect(session.userId).toBe(user.id);

        // Once more, with a backup code instead of the app.
        await env.signOut(browser, second!);
        await page.goto(`${t.url}/user`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${t.url}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, PASSWORD);
        await card.getByLabel('Enter verification code').waitFor();
        // The card may still be settling when the link first shows: click until the list opens.
        const backupChoice = card.getByText(/backup code/i).first();
        await waitFor('the other methods', async () => {
          if (await backupChoice.isVisible()) return true;
          await card.getByText('Use another method').click({ timeout: 2_000 }).catch(() => undefined);
          return undefined;
        }, BROWSER_WAIT_MS);
        await backupChoice.click();
        spent = shown[0]!;
        await card.getByLabel('Backup code').fill(spent);
        await card.getByRole('button', { name: 'Continue', exact: true }).click();
        await page.waitForURL(`${t.url}/user**`, { timeout: BROWSER_WAIT_MS });
        await waitFor('a session from the backup code', async () => {
          const ids = await activeSessions();
          return ids.length === 1 && ids[0] !== second ? true : undefined;
        }, BROWSER_WAIT_MS);
        expect(browser.cspViolations).toEqual([]);
      });

      // The code is spent: another browser cannot use it again.
      const other = new FapiBrowser(t.url);
      const signIn = (await other.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' })).body.response as SignInJSON;
      expect(signIn.status).toBe('needs_second_factor');
      const reused = await other.call('POST', `/client/sign_ins/${signIn.id}/attempt_second_factor`, { strategy: 'backup_code', code: spent });
      expect([reused.status, reused.body.errors?.[0]?.code]).toEqual([422, 'form_code_incorrect']);
      const used = await t.server.store.db.selectFrom('backup_codes').select('used_at').where('user_id', '=', user.id).execute();
      expect([used.length, used.filter((c) => c.used_at !== null).length]).toEqual([10, 1]);
    },
    TEST_MS,
  );

  it(
    'takes someone without it to enrollment before the app lets them in, where everyone must have it',
    async () => {
      const { t, appUrl } = env;
      const factors = { authenticator_app: true, backup_code: true };
      expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { multi_factor: { ...factors, required: true } } })).status).toBe(200);
      try {
        const email = `must.enroll.${Date.now()}@e2e.test`;
        const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
        await inBrowser('e2e-setup-mfa', async (browser) => {
          const page = browser.page;
          page.setDefaultTimeout(BROWSER_WAIT_MS);
          await page.goto(`${appUrl}/dashboard`, { timeout: BROWSER_WAIT_MS });
          await page.waitForURL(`${appUrl}/sign-in**`, { timeout: BROWSER_WAIT_MS });
          await signInWithPassword(page, email, PASSWORD);

          // Signed in, but with a task: the sign-in card turns into the enrollment.
          const card = page.locator('#clerk-sign-in');
          await card.getByText('Two-step verification setup').waitFor();
          await card.getByRole('button', { name: /scan QR code\?/ }).click();
          const [session] = (await t.clerk.sessions.getSessionList({ userId: user.id, status: 'active' })).data;
          expect(session).toBeDefined();
          // Meanwhile the app treats the person as signed out.
          const meanwhile = await browser.context.request.get(`${appUrl}/dashboard`, { maxRedirects: 0 });
          expect([meanwhile.status(), meanwhile.headers()['location']]).toEqual([302, `/sign-in?redirect_url=${encodeURIComponent('/dashboard')}`]);
          expect(env.appViews.filter((v) => v.userId === user.id)).toEqual([]);

          const secret = await waitFor('the key on the page', async () => {
            const values = await Promise.all((await card.locator('input').all()).map((input) => input.inputValue()));
            return values.find((v) => /^[A-Z2-7]{32}$/.test(v));
          }, BROWSER_WAIT_MS);
          await card.getByRole('button', { name: 'Continue' }).click();
          await card.getByLabel('Enter verification code').fill(appCode(secret));
          await waitFor('two-step verification on', async () => (((await t.request('GET', `/v1/users/${user.id}`)).body as UserJSON).totp_enabled ? true : undefined), BROWSER_WAIT_MS);
          await card.getByRole('button', { name: /Continue|Finish/ }).last().click();
          expect(await env.dashboardUser(page)).toBe(user.id);
          expect(env.appViews.at(-1)).toMatchObject({ userId: user.id, sessionId: session!.id });
          expect(browser.cspViolations).toEqual([]);
        });
      } finally {
        await t.request('PATCH', '/v1/instance/user_settings', { body: { multi_factor: { ...factors, required: false } } });
      }
    },
    TEST_MS,
  );
});
