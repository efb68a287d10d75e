import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clerkMiddleware, getAuth } from '@clerk/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { BROWSER_WAIT_MS, openBrowser } from '../support/browser.js';
import { SmtpPeer } from '../support/smtp-peer.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Someone invited to an organization follows the emailed link in Debian's Chromium, signs up on
 * the hosted page with Clerk's `<SignUp/>` (the address comes from the invitation, already
 * verified), and lands on an `@clerk/express` app whose `getAuth()` names the organization.
 */
process.env.CLERK_TELEMETRY_DISABLED = '1';
const TEST_MS = 240_000;

let smtp: SmtpPeer;
let t: TestServer;
let app: http.Server;
let appUrl: string;

beforeAll(async () => {
  smtp = new SmtpPeer();
  const smtpPort = await smtp.listen();
  app = http.createServer();
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  t = await startTestServer({ GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, GATEHOUSE_ALLOWED_ORIGINS: appUrl });
  const web = express();
  web.use(clerkMiddleware({ secretKey: t.secretKey, publishableKey: publishableKeyFor(new URL(t.url)), apiUrl: t.url, proxyUrl: `${t.url}/fapi` }));
  web.get('/dashboard', (req, res) => {
    const auth = getAuth(req);
    res.type('html').send(`<!doctype html><title>Dashboard</title><p id="user">${auth.userId ?? 'signed-out'}</p><p id="org">${auth.orgId ?? 'none'}</p><p id="role">${auth.orgRole ?? ''}</p>`);
  });
  app.on('request', web);
});

afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve));
  await t?.close();
  await smtp?.close();
});

describe('accepting an organization invitation in the browser', () => {
  it(
    'signs up a new person from the emailed link and lands on the app inside the organization',
    async () => {
      const admin = await t.clerk.users.createUser({ emailAddress: [`admin.${Date.now()}@e2e.test`], password: 'the admin has a passphrase 5' });
      const org = await t.clerk.organizations.createOrganization({ name: 'Invited Works', createdBy: admin.id });
      const email = `invitee.${Date.now()}@e2e.test`;
      const landing = `${t.url}/sign-up?redirect_url=${encodeURIComponent(`${appUrl}/dashboard`)}`;
      const invitation = await t.clerk.organizations.createOrganizationInvitation({ organizationId: org.id, emailAddress: email, role: 'org:member', inviterUserId: admin.id, redirectUrl: landing });
      const link = await waitFor(
        `the invitation mailed to ${email}`,
        () => smtp.received.find((m) => m.envelopeTo.includes(email))?.text?.match(/https?:\/\/\S+\/fapi\/v1\/tickets\/accept\?\S+/)?.[0],
        BROWSER_WAIT_MS,
      );

      const browser = await openBrowser();
      try {
        const page = browser.page;
        await page.goto(link, { timeout: BROWSER_WAIT_MS });
        // The ticket gave the address, verified: <SignUp/> asks only for what is still missing.
        await page.getByText('Fill in missing fields').waitFor({ timeout: BROWSER_WAIT_MS });
        const card = page.locator('.cl-signUp-root');
        await card.getByLabel('Password', { exact: true }).fill('an invited passphrase of mine 3', { timeout: BROWSER_WAIT_MS });
        await card.getByRole('button', { name: 'Continue', exact: true }).click();

        await page.waitForURL(`${appUrl}/dashboard**`, { timeout: BROWSER_WAIT_MS });
        const shownUser = await page.locator('#user').textContent({ timeout: BROWSER_WAIT_MS });
        const shownOrg = await page.locator('#org').textContent();
        await browser.screenshot('e2e-invitation-dashboard');

        const users = (await t.clerk.users.getUserList({ emailAddress: [email] })).data;
        expect(users).toHaveLength(1);
        const user = users[0]!;
        expect(shownUser).toBe(user.id);
        expect(shownOrg).toBe(org.id);
        expect(await page.locator('#role').textContent()).toBe('org:member');
        expect(user.emailAddresses[0]?.verification?.status).toBe('verified');
        const memberships = (await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id })).data;
        expect(memberships.find((m) => m.publicUserData?.userId === user.id)?.role).toBe('org:member');
        expect((await t.clerk.organizations.getOrganizationInvitation({ organizationId: org.id, invitationId: invitation.id })).status).toBe('accepted');
        // No code was mailed: the invitation had already proven the address.
        expect(smtp.received.filter((m) => m.envelopeTo.includes(email))).toHaveLength(1);
        expect(browser.cspViolations).toEqual([]);
      } catch (error) {
        console.error('requests:', browser.requests.map((r) => `${r.method} ${r.url} ${r.status ?? r.failure ?? '…'}`).join('\n'));
        console.error('console:', JSON.stringify(browser.console.slice(-20), null, 1));
        await browser.screenshot('e2e-invitation-failure').catch(() => undefined);
        throw error;
      } finally {
        await browser.close();
      }
    },
    TEST_MS,
  );
});
