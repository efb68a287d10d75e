import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { publishableKeyFor } from '../../crypto/publishable-key.js';
import type { DomainContext } from '../../domain/context.js';
import { clerkBundles } from '../clerk-bundles.js';
import { allowedRedirectUrl } from '../../domain/redirects.js';

/**
 * The hosted sign-in, sign-up, account and organization pages: Clerk's own components (`@clerk/clerk-js` + `@clerk/ui`,
 * served by this server, see clerk-bundles.ts) mounted against this server's Frontend API at
 * `<public URL>/fapi`. Apps send users here with `?redirect_url=<where to return>`.
 */

type Component = 'sign-in' | 'sign-up' | 'user-profile' | 'organization-profile' | 'create-organization';
type Props = Record<string, string | boolean>;

/** What the page script reads from the page: everything it hands to `Clerk.load` and the mount calls. */
export interface HostedPageConfig {
  component: Component;
  load: { allowedRedirectOrigins: string[]; signInUrl: string; signUpUrl: string };
  props: Props;
  /** Pages for a signed-in person send anyone else to sign in first. */
  signedIn: boolean;
  /** `<OrganizationSwitcher/>` above the component, on the organization pages. */
  switcher?: Props;
  /** `<OrganizationList/>` instead of the profile while no organization is active. */
  list?: Props;
}

/**
 * The policy the page and Clerk's components run under (checked in Chromium by test/pages/):
 * - `script-src 'self' 'nonce-…'`: the two bundles and their chunks come from this server; the one
 *   inline script, which boots them, carries the response's nonce.
 * - `style-src 'self' 'nonce-…'`: Clerk's UI writes its styles into `<style>` elements through
 *   emotion, which stamps them with the nonce handed to `Clerk.load({ nonce })`.
 *   Two `<style>` blocks the code-entry screen of @clerk/ui 1.34.0 adds without the nonce (one of
 *   them empty) are allowed by their hashes; the end-to-end test fails on any other violation.
 * - `style-src-attr 'unsafe-inline'`: `style="…"` attributes, which a nonce cannot cover; they
 *   cannot load anything or run script.
 * - `img-src 'self' data: blob:`: icons and avatars as data: URLs; previews of chosen images as blobs.
 * - `worker-src 'self' blob:`: clerk-js starts its token-refresh timer worker from a blob: URL.
 * - `connect-src 'self' <public origin>`: the Frontend API at `<public URL>/fapi` (the same origin
 *   unless the page was reached under another host name).
 * - `frame-ancestors 'none'` (and X-Frame-Options for old browsers): no clickjacking of the forms.
 * - `base-uri 'none'`, `object-src 'none'`, `form-action 'self'`: nothing the page needs, refused.
 */
const CLERK_UI_STYLE_HASHES = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'sha256-KQDhUccuEkZUQDnfbVDeY+ev2LZ+73AQR7ro4JppAY8='";

export function hostedPageCsp(nonce: string, publicOrigin: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}' ${CLERK_UI_STYLE_HASHES}`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "worker-src 'self' blob:",
    `connect-src 'self' ${publicOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
  ].join('; ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the `<script>` element it sits in, nor be read as HTML by any parser. */
function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Boots clerk-js with @clerk/ui's constructor and mounts the component. It is constant: what
 * varies per request is read from the JSON block, so the script never interpolates input.
 */
const PAGE_SCRIPT = `(async () => {
  const config = JSON.parse(document.getElementById('gatehouse-page-config').textContent);
  const nonce = document.currentScript.nonce;
  const element = document.getElementById('gatehouse-component');
  const state = (value) => { document.documentElement.dataset.gatehouseState = value; };
  state('loading');
  try {
    if (!window.Clerk || !window.__internal_ClerkUICtor) throw new Error('the Clerk bundles did not load');
    await window.Clerk.load({ ...config.load, nonce, ui: { ClerkUI: window.__internal_ClerkUICtor } });
    // clerk-js resolves load() without loading when the Frontend API refuses /v1/client.
    if (!window.Clerk.loaded) throw new Error('Clerk did not load: status ' + window.Clerk.status);
    // The account and organization pages are for a signed-in person; anyone else signs in first and comes back.
    if (config.signedIn && !window.Clerk.user) {
      state('redirecting');
      await window.Clerk.redirectToSignIn({ signInForceRedirectUrl: window.location.href });
      return;
    }
    if (config.switcher) window.Clerk.mountOrganizationSwitcher(document.getElementById('gatehouse-switcher'), config.switcher);
    if (config.component === 'organization-profile') {
      // The profile shows the active organization; without one, the person picks or creates one,
      // and the profile takes the list's place as soon as an organization is active.
      let shown;
      const show = () => {
        const next = window.Clerk.organization ? 'profile' : 'list';
        if (next === shown) return;
        if (shown === 'profile') window.Clerk.unmountOrganizationProfile(element);
        if (shown === 'list') window.Clerk.unmountOrganizationList(element);
        if (next === 'profile') window.Clerk.mountOrganizationProfile(element, config.props);
        else window.Clerk.mountOrganizationList(element, config.list);
        shown = next;
      };
      show();
      window.Clerk.addListener(show);
    } else if (config.component === 'create-organization') window.Clerk.mountCreateOrganization(element, config.props);
    else if (config.component === 'user-profile') window.Clerk.mountUserProfile(element, config.props);
    else if (config.component === 'sign-up') window.Clerk.mountSignUp(element, config.props);
    else window.Clerk.mountSignIn(element, config.props);
    state('mounted');
  } catch (error) {
    state('failed');
    console.error(error);
    const alert = document.getElementById('gatehouse-error');
    alert.textContent = 'This page could not load. Please try again later.';
    alert.hidden = false;
  }
})();`;

const PAGE_STYLE = `body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f7f7f8;font-family:system-ui,sans-serif}
main{display:flex;flex-direction:column;align-items:center;gap:1.5rem;padding:2rem 1rem}
#gatehouse-error{color:#b00020}`;

function pageConfig(ctx: DomainContext, component: Component, redirectUrlParam: unknown): HostedPageConfig {
  const publicUrl = ctx.publicUrl;
  const allowedOrigins = [...ctx.allowedOrigins()];
  const allowed = allowedRedirectUrl(ctx, redirectUrlParam, { base: publicUrl })?.href;
  const target = allowed ?? new URL('/', publicUrl).href;
  // The other page keeps the caller's redirect_url, so switching between them loses nothing.
  const pageUrl = (path: string) => {
    const url = new URL(path, publicUrl);
    if (allowed) url.searchParams.set('redirect_url', allowed);
    return url.href;
  };
  const signInUrl = pageUrl('/sign-in');
  const signUpUrl = pageUrl('/sign-up');
  const load = { allowedRedirectOrigins: allowedOrigins, signInUrl, signUpUrl };
  const organizationUrl = new URL('/organization', publicUrl).href;
  const afterOrganization = { afterSelectOrganizationUrl: organizationUrl, afterCreateOrganizationUrl: organizationUrl };
  // Clerk prefers a *_force_redirect_url or redirect_url in the page's own query string to these
  // props; allowedRedirectOrigins makes it hold those to the same origins as this check does.
  switch (component) {
    case 'sign-in':
      return { component, load, signedIn: false, props: { signUpUrl, forceRedirectUrl: target, fallbackRedirectUrl: target, signUpForceRedirectUrl: target, signUpFallbackRedirectUrl: target } };
    case 'sign-up':
      return { component, load, signedIn: false, props: { signInUrl, forceRedirectUrl: target, fallbackRedirectUrl: target, signInForceRedirectUrl: target, signInFallbackRedirectUrl: target } };
    case 'user-profile':
      return { component, load, signedIn: true, props: { routing: 'hash' } };
    case 'organization-profile':
      return {
        component,
        load,
        signedIn: true,
        props: { routing: 'hash', afterLeaveOrganizationUrl: organizationUrl },
        switcher: { hidePersonal: true, ...afterOrganization, afterLeaveOrganizationUrl: organizationUrl, organizationProfileMode: 'navigation', organizationProfileUrl: organizationUrl },
        list: { hidePersonal: true, ...afterOrganization },
      };
    case 'create-organization':
      return { component, load, signedIn: true, props: { routing: 'hash', afterCreateOrganizationUrl: organizationUrl } };
  }
}

const PAGE_TITLES: Readonly<Record<Component, string>> = {
  'sign-in': 'Sign in',
  'sign-up': 'Sign up',
  'user-profile': 'Your account',
  'organization-profile': 'Organization',
  'create-organization': 'Create an organization',
};

function renderPage(ctx: DomainContext, config: HostedPageConfig, nonce: string): string {
  const bundles = clerkBundles();
  const title = `${PAGE_TITLES[config.component]} · ${ctx.policy.applicationName}`;
  const proxyUrl = new URL('/fapi', ctx.publicUrl).href;
  const clerkJs = `/npm/@clerk/clerk-js@${bundles['clerk-js'].version}/dist/clerk.browser.js`;
  const clerkUi = `/npm/@clerk/ui@${bundles.ui.version}/dist/ui.browser.js`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body>
<main>
${config.switcher ? '<div id="gatehouse-switcher"></div>\n' : ''}<div id="gatehouse-component"></div>
<p id="gatehouse-error" role="alert" hidden></p>
<noscript>Signing in needs JavaScript.</noscript>
</main>
<script type="application/json" id="gatehouse-page-config">${jsonForScriptElement(config)}</script>
<script src="${escapeHtml(clerkJs)}" data-clerk-publishable-key="${escapeHtml(publishableKeyFor(ctx.publicUrl))}" data-clerk-proxy-url="${escapeHtml(proxyUrl)}"></script>
<script src="${escapeHtml(clerkUi)}"></script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** `GET /sign-in`, `GET /sign-up`, the account page `GET /user`, and `GET /organization` and `GET /create-organization`. */
export function registerHostedPageRoutes(app: FastifyInstance, ctx: DomainContext): void {
  const page = (component: Component) => async (request: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply: FastifyReply) => {
    const nonce = randomBytes(18).toString('base64');
    const config = pageConfig(ctx, component, request.query.redirect_url);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', hostedPageCsp(nonce, ctx.publicUrl.origin))
      .header('referrer-policy', 'strict-origin-when-cross-origin')
      .header('x-frame-options', 'DENY')
      .send(renderPage(ctx, config, nonce));
  };
  // The public URL's root is where sign-ins without a redirect_url end: the person's account.
  app.get('/', async (_request, reply) => reply.redirect('/user', 302));
  app.get('/sign-in', page('sign-in'));
  app.get('/sign-up', page('sign-up'));
  app.get('/user', page('user-profile'));
  app.get('/organization', page('organization-profile'));
  app.get('/create-organization', page('create-organization'));
}
