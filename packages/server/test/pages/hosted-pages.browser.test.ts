import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { clerkBundles } from '../../src/http/clerk-bundles.js';
import { BROWSER_WAIT_MS, openBrowser, type BrowserSession } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The hosted pages in Debian's Chromium: Clerk's bundles load from this server under the page's
 * CSP, clerk-js calls this server's Frontend API through the proxy URL, and Clerk's card renders.
 * Each test has its own server (own port and data dir) and its own browser profile.
 */

const CLERK_JS_VERSION = clerkBundles()['clerk-js'].version;
const UI_VERSION = clerkBundles().ui.version;
const BROWSER_TEST_MS = 150_000;

type PageState = 'loading' | 'mounted' | 'failed';

/** The page script's progress, which it writes on <html data-gatehouse-state>. */
async function settledState(browser: BrowserSession): Promise<PageState> {
  const handle = await browser.page.waitForFunction(
    () => {
      const page = globalThis as unknown as { document: { documentElement: { dataset: Record<string, string | undefined> } } };
      const state = page.document.documentElement.dataset.gatehouseState;
      return state === 'mounted' || state === 'failed' ? state : undefined;
    },
    undefined,
    { timeout: BROWSER_WAIT_MS },
  );
  return (await handle.jsonValue()) as PageState;
}

/** Every request to this server has its reply, and none but blob: workers went anywhere else. */
async function expectAllServedLocally(browser: BrowserSession, server: TestServer): Promise<void> {
  const origin = new URL(server.url).origin;
  await waitFor('every request to finish', () => browser.requests.every((r) => r.status !== undefined || r.failure !== undefined), BROWSER_WAIT_MS);
  const elsewhere = browser.requests.filter((r) => r.origin !== origin && !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  expect(elsewhere.map((r) => r.url)).toEqual([]);
  const bundleFailures = browser.requests.filter((r) => r.path.startsWith('/npm/') && r.status !== 200);
  expect(bundleFailures.map((r) => `${r.url} ${r.status ?? r.failure}`)).toEqual([]);
}

function expectBundlesLoaded(browser: BrowserSession, options: { chunks: boolean }): void {
  const loaded = (path: string) => browser.requests.find((r) => r.path === path);
  expect(loaded(`/npm/@clerk/clerk-js@${CLERK_JS_VERSION}/dist/clerk.browser.js`)?.status).toBe(200);
  expect(loaded(`/npm/@clerk/ui@${UI_VERSION}/dist/ui.browser.js`)?.status).toBe(200);
  // A mounted component loads @clerk/ui's chunks, by the bundle's own exact version.
  if (options.chunks) expect(browser.requests.some((r) => r.path.startsWith(`/npm/@clerk/ui@${UI_VERSION}/dist/`) && r.path.endsWith(`_${UI_VERSION}.js`))).toBe(true);
}

async function withServerAndBrowser(env: Record<string, string>, screenshot: string, body: (server: TestServer, browser: BrowserSession) => Promise<void>): Promise<void> {
  const server = await startTestServer(env);
  let browser: BrowserSession | undefined;
  try {
    browser = await openBrowser();
    await body(server, browser);
  } catch (error) {
    if (browser) {
      // What the browser said helps more than the assertion alone.
      console.error('browser console:', JSON.stringify(browser.console, null, 1));
      console.error('requests:', browser.requests.map((r) => `${r.method} ${r.url} ${r.status ?? r.failure ?? '…'}`).join('\n'));
    }
    throw error;
  } finally {
    try {
      if (browser) await browser.screenshot(screenshot).catch(() => undefined);
    } finally {
      await browser?.close();
      await server.close();
    }
  }
}

describe('the hosted pages in Chromium', () => {
  it(
    "/sign-in boots clerk-js against this server's Frontend API, loading both bundles from it under the CSP",
    async () => {
      await withServerAndBrowser({}, 'sign-in-boot', async (server, browser) => {
        await browser.page.goto(`${server.url}/sign-in`, { timeout: BROWSER_WAIT_MS });
        const environment = await browser.waitForRequest('GET /fapi/v1/environment', (r) => r.path === '/fapi/v1/environment');
        const client = await browser.waitForRequest('GET /fapi/v1/client', (r) => r.path === '/fapi/v1/client');
        for (const call of [environment, client]) {
          expect(call.method).toBe('GET');
          expect(call.origin).toBe(new URL(server.url).origin);
          expect(call.query.get('__clerk_api_version')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          expect(call.query.get('_clerk_js_version')).toBe(CLERK_JS_VERSION);
        }
        // The page script finishes either way: mounted with a Frontend API, an error without one.
        const state = await settledState(browser);
        expect(['mounted', 'failed']).toContain(state);
        if (state === 'failed') {
          expect(environment.status === 404 || client.status === 404).toBe(true);
          expect(await browser.page.getByRole('alert').textContent()).toBe('This page could not load. Please try again later.');
        }
        expectBundlesLoaded(browser, { chunks: state === 'mounted' });
        await expectAllServedLocally(browser, server);
        expect(browser.cspViolations).toEqual([]);
        expect(browser.console.filter((c) => c.type === 'pageerror')).toEqual([]);
      });
    },
    BROWSER_TEST_MS,
  );

  it(
    "renders Clerk's sign-up and sign-in cards under the CSP, with redirects held to the allowed origins",
    async () => {
      const app = 'https://app.example.com';
      await withServerAndBrowser({ GATEHOUSE_ALLOWED_ORIGINS: app }, 'sign-in-card', async (server, browser) => {
        // The Frontend API is not part of this test: the browser gets the smallest replies that
        // boot clerk-js (an environment with defaults, a signed-out client). The requests still
        // pass the page's CSP before they are answered here.
        const fapiCalls: string[] = [];
        const stub = (body: unknown) => (route: Route) => {
          fapiCalls.push(new URL(route.request().url()).pathname);
          return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
        };
        await browser.context.route((url) => url.pathname === '/fapi/v1/environment', stub({ object: 'environment', id: 'env_test', display_config: { application_name: 'Gatehouse' } }));
        await browser.context.route((url) => url.pathname === '/fapi/v1/client', stub({ response: null, client: null }));

        await browser.page.goto(`${server.url}/sign-up?redirect_url=${encodeURIComponent(`${app}/welcome`)}`, { timeout: BROWSER_WAIT_MS });
        expect(await settledState(browser)).toBe('mounted');
        const signUp = browser.page.locator('.cl-signUp-root');
        await signUp.getByText('Create your account').waitFor({ timeout: BROWSER_WAIT_MS });
        await signUp.getByLabel('Email address').fill('someone@example.com');
        await signUp.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
        await browser.screenshot('sign-up-card');

        // clerk-js holds redirect URLs from the query string to the same allowed origins.
        const redirects = await browser.page.evaluate((allowed) => {
          const clerk = (globalThis as unknown as { Clerk: { buildAfterSignInUrl(o: { params: URLSearchParams }): string } }).Clerk;
          return {
            allowed: clerk.buildAfterSignInUrl({ params: new URLSearchParams({ redirect_url: `${allowed}/x` }) }),
            evil: clerk.buildAfterSignInUrl({ params: new URLSearchParams({ redirect_url: 'https://evil.example/x' }) }),
            forced: clerk.buildAfterSignInUrl({ params: new URLSearchParams({ sign_in_force_redirect_url: 'https://evil.example/y' }) }),
          };
        }, app);
        expect(redirects.allowed).toBe(`${app}/x`);
        expect(redirects.evil).not.toContain('evil.example');
        expect(redirects.forced).not.toContain('evil.example');

        // The card's link leads to the other hosted page, keeping the redirect.
        await signUp.getByRole('link', { name: 'Sign in' }).click();
        await browser.page.waitForURL((url) => url.pathname === '/sign-in', { timeout: BROWSER_WAIT_MS });
        expect(new URL(browser.page.url()).searchParams.get('redirect_url')).toBe(`${app}/welcome`);
        expect(await settledState(browser)).toBe('mounted');
        const signIn = browser.page.locator('.cl-signIn-root');
        await signIn.getByText('Sign in to Gatehouse').waitFor({ timeout: BROWSER_WAIT_MS });
        await signIn.getByLabel('Email address').fill('someone@example.com');
        await expect.poll(() => signIn.getByRole('button', { name: 'Continue' }).isEnabled()).toBe(true);

        expect(fapiCalls.filter((p) => p === '/fapi/v1/environment').length).toBeGreaterThanOrEqual(2);
        expectBundlesLoaded(browser, { chunks: true });
        await expectAllServedLocally(browser, server);
        expect(browser.cspViolations).toEqual([]);
        expect(browser.console.filter((c) => c.type === 'pageerror' || (c.type === 'error' && !c.url.endsWith('/favicon.ico')))).toEqual([]);
      });
    },
    BROWSER_TEST_MS,
  );
});
