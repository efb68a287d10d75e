import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import type { HostedPageConfig } from '../../src/http/pages/hosted-pages.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { APP, HOSTILE_REDIRECTS, LOCAL_APP } from '../security/redirect-corpus.js';


let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_ALLOWED_ORIGINS: `${APP}, ${LOCAL_APP}`, GATEHOUSE_APPLICATION_NAME: 'Acme <Sign> & "Co"' });
});
afterAll(async () => t?.close());

interface Page {
  status: number;
  headers: Headers;
  html: string;
  config: HostedPageConfig;
}

async function getPage(path: string): Promise<Page> {
  const response = await fetch(`${t.url}${path}`, { redirect: 'manual' });
  const html = await response.text();
  const match = /<script type="application\/json" id="gatehouse-page-config">([^<]*)<\/script>/.exec(html);
  if (!match) throw new Error(`no page config in ${path}: ${html.slice(0, 200)}`);
  return { status: response.status, headers: response.headers, html, config: JSON.parse(match[1]!) as HostedPageConfig };
}

/** The CSP header as a map of directive to its sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name, sources);
  }
  return directives;
}

const pageFor = (component: string) => `/${component}`;

describe.each(['sign-in', 'sign-up'])('GET /%s', (component) => {
  it('is an HTML page under a strict CSP, unframeable, never cached', async () => {
    const page = await getPage(pageFor(component));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');

    const csp = parseCsp(page.headers.get('content-security-policy'));
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp.get('script-src')?.join(' ') ?? '')?.[1];
    expect(nonce).toBeDefined();
    expect(nonce!.length).toBeGreaterThanOrEqual(22);
    const origin = new URL(t.url).origin;
    expect(Object.fromEntries(csp)).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'", `'nonce-${nonce}'`],
      'style-src': ["'self'", `'nonce-${nonce}'`, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='", "'sha256-KQDhUccuEkZUQDnfbVDeY+ev2LZ+73AQR7ro4JppAY8='"],
      'style-src-attr': ["'unsafe-inline'"],
      'img-src': ["'self'", 'data:', 'blob:'],
      'worker-src': ["'self'", 'blob:'],
      'connect-src': ["'self'", origin],
      'frame-ancestors': ["'none'"],
      'base-uri': ["'none'"],
      'object-src': ["'none'"],
      'form-action': ["'self'"],
    });

    // Every inline script and style carries the nonce; the bundles come from this server.
    const inline = [...page.html.matchAll(/<(script|style)(?![^>]*\bsrc=)([^>]*)>/g)].filter((m) => !m[2]!.includes('type="application/json"'));
    expect(inline.length).toBe(2);
    for (const m of inline) expect(m[2]).toContain(`nonce="${nonce}"`);
    const sources = [...page.html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources).toEqual(['/npm/@clerk/clerk-js@6.40.0/dist/clerk.browser.js', '/npm/@clerk/ui@1.34.0/dist/ui.browser.js']);
    for (const src of sources) expect((await fetch(`${t.url}${src}`)).status).toBe(200);

    expect(page.html).toContain(`data-clerk-publishable-key="${publishableKeyFor(new URL(t.url))}"`);
    expect(page.html).toContain(`data-clerk-proxy-url="${t.url}/fapi"`);
    expect(page.html).toContain(`<title>${component === 'sign-in' ? 'Sign in' : 'Sign up'} · Acme &#60;Sign&#62; &#38; &#34;Co&#34;</title>`);
  });

  it('sends a fresh nonce with every response', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const page = await getPage(pageFor(component));
      nonces.add(/'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')![1]!);
    }
    expect(nonces.size).toBe(5);
  });

  it('points the two pages at each other and lets Clerk redirect only to the allowed origins', async () => {
    const { config } = await getPage(pageFor(component));
    expect(config.component).toBe(component);
    expect(config.load).toEqual({ allowedRedirectOrigins: [t.url, APP, LOCAL_APP], signInUrl: `${t.url}/sign-in`, signUpUrl: `${t.url}/sign-up` });
    const home = `${t.url}/`;
    expect(config.props).toEqual(
      component === 'sign-in'
        ? { signUpUrl: `${t.url}/sign-up`, forceRedirectUrl: home, fallbackRedirectUrl: home, signUpForceRedirectUrl: home, signUpFallbackRedirectUrl: home }
        : { signInUrl: `${t.url}/sign-in`, forceRedirectUrl: home, fallbackRedirectUrl: home, signInForceRedirectUrl: home, signInFallbackRedirectUrl: home },
    );
  });
});

describe('the pages for a signed-in person', () => {
  it.each([
    ['/user', 'user-profile'],
    ['/organization', 'organization-profile'],
    ['/create-organization', 'create-organization'],
  ])('%s mounts %s under the same policy, sending a signed-out visitor to sign in first', async (path, component) => {
    const page = await getPage(path);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(parseCsp(page.headers.get('content-security-policy')).get('frame-ancestors')).toEqual(["'none'"]);
    expect(page.config).toMatchObject({ component, signedIn: true });
  });

  it('shows the organization switcher above the profile, and the list while no organization is active', async () => {
    const { config, html } = await getPage('/organization');
    const here = `${new URL(t.url).origin}/organization`;
    expect(config.switcher).toMatchObject({ hidePersonal: true, afterSelectOrganizationUrl: here, organizationProfileUrl: here });
    expect(config.list).toMatchObject({ hidePersonal: true, afterCreateOrganizationUrl: here });
    expect(html).toContain('id="gatehouse-switcher"');
  });

  it('sends the root of the public URL to the account page', async () => {
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/user');
  });
});

describe('redirect_url', () => {
  async function redirectTarget(query: string): Promise<{ target: string; config: HostedPageConfig }> {
    const { config } = await getPage(`/sign-in?${query}`);
    expect(config.props.fallbackRedirectUrl).toBe(config.props.forceRedirectUrl);
    expect(config.props.signUpForceRedirectUrl).toBe(config.props.forceRedirectUrl);
    expect(config.props.signUpFallbackRedirectUrl).toBe(config.props.forceRedirectUrl);
    return { target: config.props.forceRedirectUrl as string, config };
  }
  const param = (value: string) => `redirect_url=${encodeURIComponent(value)}`;

  const kept: [string, string][] = [
    [`${APP}/dashboard?tab=1#top`, `${APP}/dashboard?tab=1#top`],
    [`${APP}`, `${APP}/`],
    [`HTTPS://APP.EXAMPLE.COM:443/x`, `${APP}/x`],
    [`${LOCAL_APP}/after`, `${LOCAL_APP}/after`],
  ];
  for (const [given, expected] of kept) {
    it(`keeps ${given}, which is on an allowed origin`, async () => {
      const { target, config } = await redirectTarget(param(given));
      expect(target).toBe(expected);
      // Switching to the sign-up page keeps it.
      const signUp = new URL(config.props.signUpUrl!);
      expect(`${signUp.origin}${signUp.pathname}`).toBe(`${t.url}/sign-up`);
      expect(signUp.searchParams.get('redirect_url')).toBe(expected);
    });
  }

  it("keeps the public URL's own pages, relative ones resolved against it", async () => {
    expect((await redirectTarget(param(`${t.url}/account`))).target).toBe(`${t.url}/account`);
    expect((await redirectTarget(param('/account?x=1'))).target).toBe(`${t.url}/account?x=1`);
  });

  it('keeps it on the sign-up page too, pointing back at sign-in with it', async () => {
    const { config } = await getPage(`/sign-up?${param(`${APP}/welcome`)}`);
    expect(config.props.forceRedirectUrl).toBe(`${APP}/welcome`);
    expect(config.props.signInForceRedirectUrl).toBe(`${APP}/welcome`);
    expect(new URL(config.props.signInUrl!).searchParams.get('redirect_url')).toBe(`${APP}/welcome`);
  });

  for (const value of HOSTILE_REDIRECTS) {
    it(`refuses ${JSON.stringify(value.length > 60 ? `${value.slice(0, 40)}…` : value)} and falls back to the public URL`, async () => {
      const { target, config } = await redirectTarget(param(value));
      expect(target).toBe(`${t.url}/`);
      expect(config.props.signUpUrl).toBe(`${t.url}/sign-up`);
    });
  }

  it('refuses a redirect_url given twice', async () => {
    expect((await redirectTarget(`${param(`${APP}/a`)}&${param(`${APP}/b`)}`)).target).toBe(`${t.url}/`);
  });

  it('cannot break out of the page: the value lands in the JSON block, escaped', async () => {
    const { html, config } = await getPage(`/sign-in?${param(`${APP}/x?q=</script><script>alert(1)</script>`)}`);
    expect(config.props.forceRedirectUrl).toBe(new URL(`${APP}/x?q=</script><script>alert(1)</script>`).href);
    expect(html.match(/<\/script>/g)?.length).toBe(4);
    expect(html).not.toContain('alert(1)</script>');
  });
});
