import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS } from '../support/browser.js';
import { inBrowser, startHostedApp, type HostedApp } from '../support/hosted-app.js';

/**
 * Someone invited to an organization follows the emailed link in Debian's Chromium, signs up on
 * the hosted page with Clerk's `<SignUp/>` (the address comes from the invitation, already
 * verified), and lands on the `@clerk/express` app, whose `getAuth()` names the organization.
 */
const TEST_MS = 240_000;

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp();
});

afterAll(async () => {
  await env?.close();
});

describe('accepting an organization invitation in the browser', () => {
  it(
    'signs up a new person from the emailed link and lands on the app inside the organization',
    async () => {
      const { t, appUrl, smtp } = env;
      const admin = await t.clerk.users.createUser({ emailAddress: [`admin.${Date.now()}@e2e.test`], password: 'the admin has a passphrase 5' });
      const org = await t.clerk.organizations.createOrganization({ name: 'Invited Works', createdBy: admin.id });
      const email = `invitee.${Date.now()}@e2e.test`;
      // The invitation's own redirect_url: the hosted sign-up page, which then sends the person to the app.
      const landing = `${t.url}/sign-up?redirect_url=${encodeURIComponent(`${appUrl}/dashboard`)}`;
      const seen = smtp.received.length;
      const invitation = await t.clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: email, role: 'org:member', inviterUserId: admin.id, redirectUrl: landing });
      const link = await env.invitationLinkFor(email, seen);

      await inBrowser('e2e-invitation', async (browser) => {
        const page = browser.page;
        await page.goto(link, { timeout: BROWSER_WAIT_MS });
        // The ticket gave the address, verified: <SignUp/> asks only for what is still missing.
        await page.getByText('Fill in missing fields').waitFor({ timeout: BROWSER_WAIT_MS });
        const card = page.locator('.cl-signUp-root');
        await card.getByLabel('Password', { exact: true }).fill('an invited passphrase of mine 3', { timeout: BROWSER_WAIT_MS });
        await card.getByRole('button', { name: 'Continue', exact: true }).click();

        const shownUser = await env.dashboardUser(page);
        await browser.screenshot('e2e-invitation-dashboard');
        const users = (await t.clerk.users.getUserList({ emailAddress: [email] })).data;
        expect(users).toHaveLength(1);
        const user = users[0]!;
        expect(shownUser).toBe(user.id);
        expect(await page.locator('#org').textContent()).toBe(org.id);
        expect(await page.locator('#org-role').textContent()).toBe('org:member');
        expect(env.appViews.at(-1)).toMatchObject({ userId: user.id, orgId: org.id });
        expect(user.emailAddresses[0]?.verification?.status).toBe('verified');
        const memberships = (await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })).data;
        expect(memberships.find((m) => m.publicUserData?.userId === user.id)?.role).toBe('org:member');
        expect((await t.clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: invitation.id })).status).toBe('accepted');
        // No code was mailed: the invitation had already proven the address.
        expect(smtp.received.slice(seen).filter((m) => m.envelopeTo.includes(email))).toHaveLength(1);
        expect(browser.cspViolations).toEqual([]);
      });
    },
    TEST_MS,
  );
});
