import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Response } from 'playwright-core';
import { canaryLeak } from './leak-canary.js';
import { fapiSpecFailure } from './fapi-client.js';
import { waitFor } from './wait-for.js';

/**
 * Chromium for end-to-end tests: Debian's `/usr/bin/chromium` (`.ci/run` installs it), driven by
 * playwright-core, one browser process with its own temporary profile per test.
 *
 *   const browser = await openBrowser();
 *   try {
 *     await browser.page.goto(`${server.url}/sign-in`);
 *     await browser.waitForRequest('the environment call', (r) => r.path === '/fapi/v1/environment');
 *     expect(browser.cspViolations).toEqual([]);
 *   } finally {
 *     await browser.screenshot('sign-in');  // test-results/sign-in.png
 *     await browser.close();
 *   }
 */

export const CHROMIUM_PATH = process.env.GATEHOUSE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots land here (git-ignored), for a person to look at after a run. */
export const TEST_RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results');

/** How long to wait for the browser to do something, generous for a loaded 2-core machine. */
export const BROWSER_WAIT_MS = 45_000;

export interface RecordedRequest {
  url: string;
  /** `url` without the query string. */
  path: string;
  /** The URL's origin (`http://127.0.0.1:1234`). */
  origin: string;
  query: URLSearchParams;
  method: string;
  resourceType: string;
  /** The reply's status; undefined until it arrives, and for a request that failed. */
  status: number | undefined;
  /** Why the request failed (`net::ERR_…`, a CSP block), when it did. */
  failure: string | undefined;
}

export interface ConsoleEntry {
  type: string;
  text: string;
  /** The script or resource the message is about, when Chromium says. */
  url: string;
}

export interface CspViolation {
  directive: string;
  blockedUri: string;
  sourceFile: string;
  sample: string;
}

export interface BrowserSession {
  context: BrowserContext;
  /** This browser's own temporary profile, deleted by `close()`. */
  userDataDir: string;
  /** The page the test drives (the profile's first tab). */
  page: Page;
  /** Every request any page or worker of this browser made, in order, completed as replies arrive. */
  requests: RecordedRequest[];
  /** Console messages and uncaught page errors (type `pageerror`). */
  console: ConsoleEntry[];
  /** `securitypolicyviolation` events of every document, plus the console's CSP refusals. */
  cspViolations: CspViolation[];
  /**
   * Every JSON reply of a Frontend API (`…/fapi/v1/…`) that does not match Clerk's FAPI spec, or carries the
   * private-metadata canary (leak-canary.ts);
   * read it through `fapiSpecFailures()`, which waits for replies still being checked.
   */
  fapiSpecFailures(): Promise<string[]>;
  /** Waits until a request matching `predicate` has its reply (or has failed), and returns it. */
  waitForRequest(what: string, predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Saves a full-page screenshot of the last page to `test-results/<name>.png` and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Closes the browser and deletes its profile; safe to call twice. */
  close(): Promise<void>;
}

export async function openBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      // CI runs as root, where Chromium refuses to start with its sandbox on.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
      viewport: options.viewport ?? { width: 1024, height: 900 },
      timeout: BROWSER_WAIT_MS,
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }

  const requests: RecordedRequest[] = [];
  const consoleEntries: ConsoleEntry[] = [];
  const cspViolations: CspViolation[] = [];
  const specChecks: Promise<string | undefined>[] = [];
  let page: Page;
  try {
    await instrument(context, requests, consoleEntries, cspViolations);
    context.on('response', (response) => specChecks.push(checkFapiReply(response)));
    page = context.pages()[0] ?? (await context.newPage());
  } catch (error) {
    await context.close().catch(() => undefined);
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  let closed = false;

  return {
    context,
    userDataDir,
    page,
    requests,
    console: consoleEntries,
    cspViolations,
    fapiSpecFailures: async () => (await Promise.all(specChecks)).filter((f): f is string => f !== undefined),
    waitForRequest: (what, predicate, timeoutMs = BROWSER_WAIT_MS) =>
      waitFor(what, () => requests.find((r) => predicate(r) && (r.status !== undefined || r.failure !== undefined)), timeoutMs),
    async screenshot(name) {
      mkdirSync(TEST_RESULTS_DIR, { recursive: true });
      const file = path.join(TEST_RESULTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
      // The last page opened (a popup, a new tab) is the one the test last looked at.
      const last = context.pages().at(-1) ?? page;
      await last.screenshot({ path: file, fullPage: true, timeout: BROWSER_WAIT_MS });
      return file;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      }
    },
  };
}

/** Checks one reply against Clerk's FAPI spec when it is a Frontend API JSON reply. */
async function checkFapiReply(response: Response): Promise<string | undefined> {
  const url = new URL(response.url());
  const at = url.pathname.indexOf('/fapi/v1/');
  if (at < 0 || !(response.headers()['content-type'] ?? '').includes('application/json')) return undefined;
  let body: unknown;
  let text: string;
  try {
    text = await response.text();
    body = JSON.parse(text);
  } catch {
    // The page went away before its body was read: nothing to check.
    return undefined;
  }
  const method = url.searchParams.get('_method') ?? response.request().method();
  const leak = canaryLeak(text);
  if (leak) return `${method} ${url.pathname} leaked private metadata: ${leak}`;
  return fapiSpecFailure(method, url.pathname.slice(at + '/fapi'.length), response.status(), body);
}

/** Records every request, console message and CSP violation of the browser's pages and workers. */
async function instrument(context: BrowserContext, requests: RecordedRequest[], consoleEntries: ConsoleEntry[], cspViolations: CspViolation[]): Promise<void> {
  const records = new WeakMap<object, RecordedRequest>();

  context.on('request', (request) => {
    const url = new URL(request.url());
    const record: RecordedRequest = {
      url: request.url(),
      path: url.protocol === 'data:' || url.protocol === 'blob:' ? request.url() : url.pathname,
      origin: url.origin,
      query: url.searchParams,
      method: request.method(),
      resourceType: request.resourceType(),
      status: undefined,
      failure: undefined,
    };
    records.set(request, record);
    requests.push(record);
  });
  context.on('response', (response) => {
    const record = records.get(response.request());
    if (record) record.status = response.status();
  });
  context.on('requestfailed', (request) => {
    const record = records.get(request);
    if (record) record.failure = request.failure()?.errorText ?? 'failed';
  });

  // Reported from inside every document before its own scripts run (init scripts are exempt
  // from the page's CSP), through a binding into this process.
  await context.exposeBinding('__gatehouseReportCspViolation', (_source, violation: CspViolation) => {
    cspViolations.push(violation);
  });
  await context.addInitScript(() => {
    // Runs in the page; the project compiles without the DOM library, hence the local types.
    interface ViolationEvent {
      effectiveDirective: string;
      blockedURI: string;
      sourceFile: string;
      sample: string;
    }
    const page = globalThis as unknown as {
      document: { addEventListener(type: 'securitypolicyviolation', listener: (event: ViolationEvent) => void): void };
      __gatehouseReportCspViolation(violation: CspViolation): Promise<void>;
    };
    page.document.addEventListener('securitypolicyviolation', (event) => {
      void page.__gatehouseReportCspViolation({ directive: event.effectiveDirective, blockedUri: event.blockedURI, sourceFile: event.sourceFile, sample: event.sample });
    });
  });

  const watch = (page: Page) => {
    page.on('console', (message) => {
      consoleEntries.push({ type: message.type(), text: message.text(), url: message.location().url });
      // Workers have no document to fire securitypolicyviolation on; Chromium still says it here.
      if (/Content Security Policy/i.test(message.text()) && /refused|violates/i.test(message.text())) {
        cspViolations.push({ directive: 'console', blockedUri: '', sourceFile: message.location().url, sample: message.text() });
      }
    });
    page.on('pageerror', (error) => consoleEntries.push({ type: 'pageerror', text: String(error.stack ?? error.message), url: page.url() }));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
}
