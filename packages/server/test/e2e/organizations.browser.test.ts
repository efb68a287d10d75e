import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_WAIT_MS, type BrowserSession } from '../support/browser.js';
import { inBrowser, signInWithPassword, startHostedApp, type HostedApp } from '../support/hosted-app.js';
import { canary } from '../support/leak-canary.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Organizations in Debian's Chromium with Clerk's components: an admin creates one on the hosted
 * `/organization` page and invites a second person from `<OrganizationProfile/>`; the invitee
 * follows the emailed link and lands in the Express example inside the organization. As a basic
 * member they find no way to invite, rename or delete, and the Frontend API refuses them; the admin
 * makes them an admin and the app's `getAuth().orgRole` follows; they switch organizations in the
 * example's `<OrganizationSwitcher/>` and the app sees it. Each step is read back from the server.
 */
const TEST_MS = 300_000;
const PASSWORD = 'an organization passphrase 91';

let env: HostedApp;

beforeAll(async () => {
  env = await startHostedApp({}, { app: 'express-example' });
});

afterAll(async () => {
  await env?.close();
});

interface MembershipJSON {
  role: string;
  public_user_data: { user_id: string };
}

async function memberships(orgId: string): Promise<MembershipJSON[]> {
  return ((await env.t.request('GET', `/v1/organizations/${orgId}/memberships?limit=100`)).body as { data: MembershipJSON[] }).data;
}

/** The app's dashboard as its server renders it from `getAuth()`. */
async function dashboard(page: Page): Promise<{ user: string; org: string; role: string }> {
  await page.goto(`${env.appUrl}/dashboard`, { timeout: BROWSER_WAIT_MS });
  await page.waitForURL(`${env.appUrl}/dashboard**`, { timeout: BROWSER_WAIT_MS });
  const text = async (id: string) => ((await page.locator(`#${id}`).textContent({ timeout: BROWSER_WAIT_MS })) ?? '').trim();
  return { user: await text('user'), org: await text('org'), role: await text('org-role') };
}

/** A write to the Frontend API from the browser's own cookies, as a crafted page would send it. */
async function fapiWrite(browser: BrowserSession, method: 'PATCH' | 'DELETE' | 'POST', path: string, form: Record<string, string> = {}): Promise<{ status: number; code: string | undefined }> {
  const reply = await browser.context.request.post(`${env.t.url}/fapi/v1${path}${method === 'POST' ? '' : `?_method=${method}`}`, {
    headers: { origin: new URL(env.t.url).origin },
    form,
  });
  const body = (await reply.json()) as { errors?: { code: string }[] };
  return { status: reply.status(), code: body.errors?.[0]?.code };
}

describe('organizations in the browser', () => {
  it(
    'creates, invites, refuses a basic member, changes a role and switches the active organization',
    async () => {
      const { t } = env;
      const stamp = Date.now();
      const adminEmail = `org.admin.${stamp}@e2e.test`;
      const inviteeEmail = `org.invitee.${stamp}@e2e.test`;
      const admin = await t.clerk.users.createUser({ emailAddress: [adminEmail], password: PASSWORD, privateMetadata: { secret: canary('admin') } });
      const invitee = await t.clerk.users.createUser({ emailAddress: [inviteeEmail], password: PASSWORD, privateMetadata: { secret: canary('invitee') } });
      // The invitee already runs an organization of their own, to switch to later.
      const own = await t.clerk.organizations.createOrganization({ name: 'Invitee Own Works', createdBy: invitee.id, privateMetadata: { secret: canary('own-org') } });

      await inBrowser('e2e-org-admin', async (adminBrowser) => {
        const page = adminBrowser.page;
        page.setDefaultTimeout(BROWSER_WAIT_MS);
        await page.goto(`${t.url}/organization`, { timeout: BROWSER_WAIT_MS });
        await page.waitForURL(`${t.url}/sign-in**`, { timeout: BROWSER_WAIT_MS });
        await signInWithPassword(page, adminEmail, PASSWORD);
        await page.waitForURL(`${t.url}/organization**`, { timeout: BROWSER_WAIT_MS });

        // No organization yet: <OrganizationList/> opens on its form to create one.
        await page.getByLabel('Name', { exact: true }).fill('Difference Engines');
        await page.getByRole('button', { name: 'Create organization' }).click();
        const orgId = await waitFor(
          'the organization stored with its creator as admin',
          async () => {
            const orgs = (await t.request('GET', `/v1/users/${admin.id}/organization_memberships`)).body as { data: { organization: { id: string; name: string }; role: string }[] };
            const created = orgs.data.find((m) => m.organization.name === 'Difference Engines' && m.role === 'org:admin');
            return created?.organization.id;
          },
          BROWSER_WAIT_MS,
        );
        await t.request('PATCH', `/v1/organizations/${orgId}/metadata`, { body: { private_metadata: { secret: canary('organization') } } });

        // The profile of the now active organization: invite the second person as a member.
        const profile = page.locator('.cl-organizationProfile-root');
        await profile.getByRole('button', { name: 'Members' }).click();
        await profile.getByRole('button', { name: 'Invite' }).click();
        const seen = env.smtp.received.length;
        // Typed, not pasted: the field turns an address into a tag at the space after it.
        await profile.getByPlaceholder('example@email.com, example2@email.com').pressSequentially(`${inviteeEmail} `);
        // The role picker offers the instance's roles and starts on the default, Member.
        await profile.getByRole('button', { name: /Role:\s*Member/ }).waitFor();
        await profile.getByRole('button', { name: 'Send invitations' }).click();
        const link = await env.invitationLinkFor(inviteeEmail, seen);
        const pending = (await t.request('GET', `/v1/organizations/${orgId}/invitations?status=pending`)).body as { data: { email_address: string; inviter_id: string; role: string }[] };
        expect(pending.data).toEqual([expect.objectContaining({ email_address: inviteeEmail, inviter_id: admin.id, role: 'org:member' })]);

        await inBrowser('e2e-org-invitee', async (inviteeBrowser) => {
          const other = inviteeBrowser.page;
          other.setDefaultTimeout(BROWSER_WAIT_MS);
          // The ticket signs the existing account in and joins it to the organization.
          await other.goto(link, { timeout: BROWSER_WAIT_MS });
          // The hosted sign-in page activates the session and only then moves on to the account
          // page; leaving before that would cut the sign-in short in the browser.
          await other.waitForURL(`${t.url}/user**`, { timeout: BROWSER_WAIT_MS });
          await waitFor('the invitee to be a member', async () => ((await memberships(orgId)).some((m) => m.public_user_data.user_id === invitee.id) ? true : undefined), BROWSER_WAIT_MS);
          expect(await dashboard(other)).toEqual({ user: invitee.id, org: orgId, role: 'org:member' });

          // A basic member: the organization's profile offers no way to invite, rename or delete...
          await other.goto(`${t.url}/organization`, { timeout: BROWSER_WAIT_MS });
          const theirs = other.locator('.cl-organizationProfile-root');
          await theirs.getByRole('button', { name: 'Leave organization' }).waitFor();
          expect(await theirs.getByRole('button', { name: 'Delete organization' }).count()).toBe(0);
          expect(await theirs.getByRole('button', { name: 'Update profile' }).count()).toBe(0);
          await theirs.getByRole('button', { name: 'Members' }).click();
          await theirs.getByRole('row').filter({ hasText: adminEmail }).waitFor();
          expect(await theirs.getByRole('button', { name: 'Invite' }).count()).toBe(0);
          // ...and the Frontend API refuses each when asked directly.
          expect(await fapiWrite(inviteeBrowser, 'POST', `/organizations/${orgId}/invitations`, { email_address: `x.${stamp}@e2e.test`, role: 'org:member' })).toEqual({ status: 403, code: 'missing_permission' });
          expect(await fapiWrite(inviteeBrowser, 'PATCH', `/organizations/${orgId}`, { name: 'Taken over' })).toEqual({ status: 403, code: 'missing_permission' });
          expect(await fapiWrite(inviteeBrowser, 'DELETE', `/organizations/${orgId}`)).toEqual({ status: 403, code: 'missing_permission' });
          expect((await t.request('GET', `/v1/organizations/${orgId}`)).body).toMatchObject({ name: 'Difference Engines' });

          // The admin makes them an admin in the members list...
          await page.reload();
          await profile.getByRole('button', { name: 'Members' }).click();
          const row = profile.getByRole('row').filter({ hasText: inviteeEmail });
          await row.getByRole('button', { name: /Member/ }).click();
          await page.getByRole('option', { name: 'Admin' }).click();
          await waitFor('the new role stored', async () => ((await memberships(orgId)).find((m) => m.public_user_data.user_id === invitee.id)?.role === 'org:admin' ? true : undefined), BROWSER_WAIT_MS);
          // ...and the app sees it once the invitee's session token is refreshed (clerk-js on the
          // dashboard does that as it loads, so a later view shows it).
          await waitFor('the app to see the new role', async () => ((await dashboard(other)).role === 'org:admin' ? true : undefined), BROWSER_WAIT_MS);

          // Switching to their own organization in the example's <OrganizationSwitcher/>.
          await other.locator('#organization-switcher').getByRole('button').first().click();
          await other.locator('.cl-organizationSwitcherPopoverCard').getByText('Invitee Own Works', { exact: true }).click();
          // The switcher then reloads the dashboard itself; a view of ours may be cut short by it.
          await inviteeBrowser.waitForRequest('the switch', (r) => r.path.endsWith('/touch') && r.status === 200);
          await waitFor('the app to see the other organization', async () => ((await dashboard(other).catch(() => undefined))?.org === own.id ? true : undefined), BROWSER_WAIT_MS);
          expect(env.appViews.at(-1)).toMatchObject({ userId: invitee.id, orgId: own.id });

          // The example's <UserButton/> shows who is signed in and signs them out from the app.
          await dashboard(other);
          await other.locator('#user-button').getByRole('button').first().click();
          const popover = other.locator('.cl-userButtonPopoverCard');
          await popover.getByText(inviteeEmail).waitFor();
          await popover.getByRole('button', { name: 'Sign out' }).click();
          await waitFor('the invitee signed out by the user button', async () => ((await t.clerk.sessions.getSessionList({ userId: invitee.id, status: 'active' })).data.length === 0 ? true : undefined), BROWSER_WAIT_MS);
          expect(inviteeBrowser.cspViolations).toEqual([]);
        });
        expect(adminBrowser.cspViolations).toEqual([]);
      });
    },
    TEST_MS,
  );
});
