import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { publishableKeyFor } from '../../crypto/publishable-key.js';
import type { DomainContext } from '../../domain/context.js';
import { clerkBundles } from '../clerk-bundles.js';
import { allowedRedirectUrl } from '../../domain/redirects.js';

/**
 * The hosted sign-in, sign-up and account pages: Clerk's own components (`@clerk/clerk-js` + `@clerk/ui`,
 * served by this server, see clerk-bundles.ts) mounted against this server's Frontend API at
 * `<public URL>/fapi`. Apps send users here with `?redirect_url=<where to return>`.
 */

type Component = 'sign-in' | 'sign-up' | 'user-profile';

/** What the page script reads from the page: everything it hands to `Clerk.load` and the mount call. */
export interface HostedPageConfig {
  component: Component;
  load: { allowedRedirectOrigins: string[]; signInUrl: string; signUpUrl: string };
  props: Record<string, string>;
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
    if (config.component === 'user-profile') {
      // The account page is for a signed-in person; anyone else signs in first and comes back.
      if (!window.Clerk.user) {
        state('redirecting');
        await window.Clerk.redirectToSignIn({ signInForceRedirectUrl: window.location.href });
        return;
      }
      window.Clerk.mountUserProfile(element, config.props);
    } else if (config.component === 'sign-up') window.Clerk.mountSignUp(element, config.props);
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
main{display:flex;flex-direction:column;align-items:center;padding:2rem 1rem}
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
  // Clerk prefers a *_force_redirect_url or redirect_url in the page's own query string to these
  // props; allowedRedirectOrigins makes it hold those to the same origins as this check does.
  const props: Record<string, string> =
    component === 'user-profile'
      ? { routing: 'hash' }
      : component === 'sign-in'
        ? { signUpUrl, forceRedirectUrl: target, fallbackRedirectUrl: target, signUpForceRedirectUrl: target, signUpFallbackRedirectUrl: target }
        : { signInUrl, forceRedirectUrl: target, fallbackRedirectUrl: target, signInForceRedirectUrl: target, signInFallbackRedirectUrl: target };
  return { component, load: { allowedRedirectOrigins: allowedOrigins, signInUrl, signUpUrl }, props };
}

const PAGE_TITLES: Readonly<Record<Component, string>> = { 'sign-in': 'Sign in', 'sign-up': 'Sign up', 'user-profile': 'Your account' };

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
<div id="gatehouse-component"></div>
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

/** `GET /sign-in`, `GET /sign-up` and the account page, `GET /user`. */
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
  app.get('/sign-in', page('sign-in'));
  app.get('/sign-up', page('sign-up'));
  app.get('/user', page('user-profile'));
}
