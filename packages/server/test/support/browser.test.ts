import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openBrowser } from './browser.js';
import { waitFor } from './wait-for.js';

/** The harness itself: a test that asserts "no CSP violation" must be able to see one. */
describe('openBrowser', () => {
  it('records requests with their status, reports CSP violations, saves screenshots and cleans up', async () => {
    const browser = await openBrowser();
    expect(existsSync(browser.userDataDir)).toBe(true);
    try {
      await browser.context.route('http://harness.test/**', (route) => {
        const url = new URL(route.request().url());
        if (url.pathname === '/') {
          return route.fulfill({
            status: 200,
            contentType: 'text/html',
            headers: { 'content-security-policy': "default-src 'self'; script-src 'self' 'nonce-abc'; style-src 'self'" },
            body: `<!doctype html><title>harness</title><style>body{background:#fee}</style>
<script nonce="abc">fetch('/missing?x=1').then(() => { document.title = 'fetched'; });</script>
<script>document.title = 'must not run';</script>`,
          });
        }
        return route.fulfill({ status: 404, body: 'nope' });
      });
      await browser.page.goto('http://harness.test/');
      const missing = await browser.waitForRequest('the fetch', (r) => r.path === '/missing');
      expect(missing).toMatchObject({ method: 'GET', status: 404, origin: 'http://harness.test' });
      expect(missing.query.get('x')).toBe('1');
      expect(browser.requests[0]).toMatchObject({ path: '/', status: 200, resourceType: 'document' });
      await waitFor('both violations', () => browser.cspViolations.filter((v) => v.directive !== 'console').length >= 2);
      const directives = browser.cspViolations.map((v) => v.directive).filter((d) => d !== 'console').sort();
      expect(directives).toEqual(['script-src-elem', 'style-src-elem']);
      expect(await browser.page.title()).not.toBe('must not run');
      const file = await browser.screenshot('harness self-test');
      expect(file.endsWith('test-results/harness-self-test.png')).toBe(true);
      expect(existsSync(file)).toBe(true);
      await rm(file);
    } finally {
      await browser.close();
    }
    await browser.close(); // twice is fine
    expect(existsSync(browser.userDataDir)).toBe(false);
  }, 120_000);
});
