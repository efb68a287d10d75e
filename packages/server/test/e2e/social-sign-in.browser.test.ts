import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { inBrowser, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { GitHubStandIn } from '../support/oauth-fakes.js';
import { OidcStandIn } from '../support/oidc-stand-in.js';
import { waitFor } from '../support/wait-for.js';

/**
 * "Continue with Google" on the hosted sign-in page, in Debian's Chromium with Clerk's own
 * `<SignIn/>`, against a real OpenID provider on loopback (panva's oidc-provider) standing in for
 * Google: a new person signs up through it, signs out, signs in again; then someone with an
 * account (their address verified) links the provider by signing in with it; then a new person
 * signs up with GitHub (a stand-in for its OAuth and user API). The Express example is the app,
 * and it must see the same user each time.
 */
const TEST_MS = 240_000;
const CLIENT = { clientId: 'gatehouse-e2e', clientSecret: 'e2e stand-in client secret 0123456789' };

let env: HostedApp;
let google: OidcStandIn;
let github: GitHubStandIn;

beforeAll(async () => {
  env = await startHostedApp({}, { app: 'express-example' });
  google = await OidcStandIn.start({ ...CLIENT, redirectUri: `${env.t.url}/fapi/v1/oauth_callback` });
  const created = await env.t.request('POST', '/v1/oauth_providers', { body: { preset: 'google', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, issuer: google.issuer } });
  expect(created.status).toBe(200);
  github = await GitHubStandIn.start();
  const gh = await env.t.request('POST', '/v1/oauth_providers', { body: { preset: 'github', client_id: 'gh-e2e', client_secret: 'gh-e2e-secret', ...github.endpoints() } });
  expect(gh.status).toBe(200);
});

afterAll(async () => {
  await google?.close();
  await github?.close();
  await env?.close();
});

describe('signing in with a social provider through Clerk’s <SignIn/>', () => {
  it(
    'signs a new person up with Google, signs them out and in again, links Google to an existing account, and signs someone up with GitHub',
    async () => {
      const { t } = env;
      const stamp = Date.now();
      const grace = { sub: `e2e-google-${stamp}`, email: `grace.${stamp}@gmail.test`, email_verified: true, given_name: 'Grace', family_name: 'Hopper' };
      await inBrowser('e2e-social-sign-in', async (browser) => {
        const page = browser.page;
        const continueWith = async (provider: RegExp) => {
          await page.goto(env.signInUrl(), { timeout: BROWSER_WAIT_MS });
          await page.locator('.cl-signIn-root').getByRole('button', { name: provider }).click({ timeout: BROWSER_WAIT_MS });
        };
        const continueWithGoogle = () => continueWith(/Google/);

        google.signInAs(grace);
        await continueWithGoogle();
        const newcomer = await env.dashboardUser(page);
        const users = (await t.clerk.users.getUserList({ emailAddress: [grace.email] })).data;
        expect(users.map((u) => u.id)).toEqual([newcomer]);
        expect(users[0]!.externalAccounts.map((a) => [a.provider, a.providerUserId])).toEqual([['oauth_google', grace.sub]]);
        expect(users[0]!.firstName).toBe('Grace');

        const sessionId = (await page.locator('#session').textContent()) ?? '';
        await env.signOut(browser, sessionId);
        google.signInAs(grace);
        await continueWithGoogle();
        expect(await env.dashboardUser(page)).toBe(newcomer);
        expect((await t.clerk.users.getUserList({ emailAddress: [grace.email] })).data).toHaveLength(1);

        // Someone who signed up with a password and verified their address: Google, vouching for
        // the same address, signs them into their own account and is linked to it.
        const linus = await t.clerk.users.createUser({ emailAddress: [`linus.${stamp}@gmail.test`], password: 'an existing account passphrase 9' });
        await env.signOut(browser, (await page.locator('#session').textContent()) ?? '');
        google.signInAs({ sub: `e2e-google-linus-${stamp}`, email: `linus.${stamp}@gmail.test`, email_verified: true, given_name: 'Linus' });
        await continueWithGoogle();
        expect(await env.dashboardUser(page)).toBe(linus.id);
        await waitFor('the link to be recorded', async () => ((await t.clerk.users.getUser(linus.id)).externalAccounts.length === 1 ? true : undefined), BROWSER_WAIT_MS);
        expect(env.appViews.at(-1)).toMatchObject({ userId: linus.id });
        await browser.screenshot('e2e-social-sign-in-dashboard');

        // GitHub, read through its user API: a new person, their primary verified address.
        await env.signOut(browser, (await page.locator('#session').textContent()) ?? '');
        github.user = { id: stamp % 1_000_000, login: `mona${stamp}`, name: 'Mona Octocat' };
        github.emails = [{ email: `mona.${stamp}@github.test`, primary: true, verified: true }];
        await continueWith(/GitHub/);
        const mona = await env.dashboardUser(page);
        const monaUser = await t.clerk.users.getUser(mona);
        expect(monaUser.emailAddresses.map((e) => e.emailAddress)).toEqual([`mona.${stamp}@github.test`]);
        expect(monaUser.externalAccounts.map((a) => a.provider)).toEqual(['oauth_github']);
      });
    },
    TEST_MS,
  );
});
