import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { inBrowser, signInWithPassword, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Passkeys with Clerk's components in Chromium, whose virtual authenticator (DevTools protocol
 * `WebAuthn.addVirtualAuthenticator`) plays a platform authenticator with user verification: the
 * person adds a passkey on `/user`, signs out, and signs in with the passkey alone. WebAuthn needs
 * a domain, not an IP address, and Clerk's SDKs one with a dot, so the browser reaches this server
 * at `gatehouse.localhost` (Chromium resolves every `*.localhost` to the loopback address).
 */
const TEST_MS = 240_000;
const PASSWORD = 'a passkey e2e passphrase 31';

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp({ GATEHOUSE_PUBLIC_URL: 'http://gatehouse.localhost:0' });
  // The button, not the browser's autofill: a headless browser has no autofill menu to pick from.
  const on = await env.t.request('PATCH', '/v1/instance/user_settings', { body: { passkey: { enabled: true, allow_autofill: false, show_sign_in_button: true } } });
  expect(on.status).toBe(200);
});

afterAll(async () => {
  await env?.close();
});

interface UserJSON {
  passkeys: { id: string; name: string }[];
}

describe('passkeys in the browser', () => {
  it(
    'adds a passkey on the account page, then signs in with it alone',
    async () => {
      const { t } = env;
      const site = t.server.ctx.publicUrl.origin;
      expect(new URL(site).hostname).toBe('gatehouse.localhost');
      const email = `passkey.e2e.${Date.now()}@e2e.test`;
      const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
      const stored = async () => (await t.request('GET', `/v1/users/${user.id}`)).body as UserJSON;
      const activeSessions = async () => (await t.clerk.sessions.getSessionList({ userId: user.id, status: 'active' })).data.map((s) => s.id);

      await inBrowser('e2e-passkeys', async (browser) => {
        const page = browser.page;
        page.setDefaultTimeout(BROWSER_WAIT_MS);
        // clerk-js offers passkeys only outside automated browsers (navigator.webdriver): this one
        // presents itself as a person's.
        await browser.context.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });" });
        const cdp = await browser.context.newCDPSession(page);
        await cdp.send('WebAuthn.enable');
        const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
        });

        await page.goto(`${site}/user`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${site}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, email, PASSWORD);
        await page.waitForURL(`${site}/user**`, { timeout: BROWSER_WAIT_MS });

        const profile = page.locator('.cl-userProfile-root');
        await profile.getByRole('button', { name: 'Security' }).click();
        await profile.getByRole('button', { name: 'Add a passkey' }).click();
        const [registered] = await waitFor('the passkey stored', async () => {
          const passkeys = (await stored()).passkeys;
          return passkeys.length === 1 ? passkeys : undefined;
        }, BROWSER_WAIT_MS);
        // The browser holds the credential, made for this relying party and this account.
        const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
        expect(credentials).toHaveLength(1);
        expect(credentials[0]).toMatchObject({ rpId: 'gatehouse.localhost', isResidentCredential: true });
        expect(Buffer.from(credentials[0]!.userHandle!, 'base64').toString()).toBe(user.id);
        await profile.getByText(registered!.name).waitFor();

        const [first] = await activeSessions();
        // Signed out from the page, with the browser's own cookies (only Chromium resolves the host).
        const out = await page.evaluate(async (url) => (await fetch(url, { method: 'POST', credentials: 'include' })).status, `${site}/fapi/v1/client/sessions?_method=DELETE`);
        expect(out).toBe(200);
        await waitFor('the session to end', async () => ((await t.clerk.sessions.getSession(first!)).status === 'ended' ? true : undefined), BROWSER_WAIT_MS);
        await page.goto(`${site}/user`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${site}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await page.locator('.cl-signIn-root').getByText('Use passkey instead').click();
        await page.waitForURL(`${site}/user**`, { timeout: BROWSER_WAIT_MS });
        const [second] = await waitFor('a session from the passkey', async () => {
          const ids = await activeSessions();
          return ids.length === 1 && ids[0] !== first ? ids : undefined;
        }, BROWSER_WAIT_MS);
        expect((await t.clerk.sessions.getSession(second!)).userId).toBe(user.id);
        const used = await t.server.store.db.selectFrom('passkeys').select(['sign_count', 'last_used_at']).where('user_id', '=', user.id).executeTakeFirstOrThrow();
        expect(used.last_used_at).toBeGreaterThan(0);
        expect(browser.cspViolations).toEqual([]);
      });
    },
    TEST_MS,
  );
});
