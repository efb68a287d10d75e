import { clerkMiddleware, createClerkClient, getAuth } from '@clerk/express';
import express, { type NextFunction, type Request, type Response } from 'express';

/**
 * An Express app on Clerk's SDK, pointed at Gatehouse: `/sign-in` and `/sign-up` mount Clerk's
 * `<SignIn/>` and `<SignUp/>` (clerk-js and @clerk/ui, loaded from Gatehouse), and `/dashboard`
 * is for signed-in people only, with `<UserButton/>` and `<OrganizationSwitcher/>`. Nothing here is Gatehouse-specific but the settings.
 */

export interface ExampleConfig {
  /** `pk_live_…`, printed by `gatehouse start`; it names Gatehouse's host. */
  publishableKey: string;
  /** `sk_live_…`, printed once by `gatehouse start` (or `gatehouse keys create`). */
  secretKey: string;
  /** Gatehouse's public URL: the Backend API (`/v1/…`). */
  apiUrl: string;
  /** Gatehouse's Frontend API, `<public URL>/fapi`: browsers talk to it over http or https. */
  proxyUrl: string;
}

/** The settings from the environment, under the names Clerk's SDKs read. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const read = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set (see README.md, "Examples")`);
    return value;
  };
  const apiUrl = read('CLERK_API_URL').replace(/\/+$/, '');
  return {
    publishableKey: read('CLERK_PUBLISHABLE_KEY'),
    secretKey: read('CLERK_SECRET_KEY'),
    apiUrl,
    proxyUrl: (env.CLERK_PROXY_URL || `${apiUrl}/fapi`).replace(/\/+$/, ''),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Gatehouse example</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}nav{display:flex;gap:1rem;margin-bottom:2rem}</style>
</head>
<body>
<nav><a href="/">Home</a><a href="/dashboard">Dashboard</a><a href="/sign-in">Sign in</a><a href="/sign-up">Sign up</a></nav>
${body}
</body>
</html>
`;
}

/**
 * The two bundles from Gatehouse (`<proxyUrl>/npm/…`), then `Clerk.load` with @clerk/ui's
 * constructor, then `script`, which may wait for `clerkReady`. `window.Clerk` reads the publishable
 * key and the Frontend API's URL from its script tag's `data-clerk-*` attributes.
 */
function clerkScripts(config: ExampleConfig, script: string): string {
  return `<script src="${escapeHtml(config.proxyUrl)}/npm/@clerk/ui@1/dist/ui.browser.js"></script>
<script src="${escapeHtml(config.proxyUrl)}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
  data-clerk-publishable-key="${escapeHtml(config.publishableKey)}" data-clerk-proxy-url="${escapeHtml(config.proxyUrl)}"></script>
<script>
const clerkReady = Clerk.load({ ui: { ClerkUI: window.__internal_ClerkUICtor }, signInUrl: '/sign-in', signUpUrl: '/sign-up' });
${script}
</script>`;
}

/**
 * Sends signed-out visitors of a page to `/sign-in`, which brings them back (`redirect_url`).
 * (`requireAuth()` does the same but is deprecated in @clerk/express 2.)
 */
function requireSignIn(request: Request, response: Response, next: NextFunction): void {
  if (getAuth(request).userId) return next();
  response.redirect(`/sign-in?redirect_url=${encodeURIComponent(request.originalUrl)}`);
}

export function createApp(config: ExampleConfig): express.Express {
  const clerk = createClerkClient({ secretKey: config.secretKey, publishableKey: config.publishableKey, apiUrl: config.apiUrl });
  const app = express();
  app.disable('x-powered-by');
  // Reads the session from the request's cookies; an expired one is renewed through Gatehouse's
  // handshake (a redirect to `<proxyUrl>/v1/client/handshake` and back).
  app.use(clerkMiddleware({ clerkClient: clerk, secretKey: config.secretKey, publishableKey: config.publishableKey, apiUrl: config.apiUrl, proxyUrl: config.proxyUrl }));

  app.get('/', (request, response) => {
    const { userId } = getAuth(request);
    response.type('html').send(page('Home', `<h1>Gatehouse example</h1><p>${userId ? 'You are signed in.' : 'You are signed out.'}</p>`));
  });

  app.get('/sign-in', (_request, response) => {
    response
      .type('html')
      .send(page('Sign in', `<main id="clerk-sign-in"></main>${clerkScripts(config, "clerkReady.then(() => Clerk.mountSignIn(document.getElementById('clerk-sign-in'), { fallbackRedirectUrl: '/dashboard' }));")}`));
  });

  app.get('/sign-up', (_request, response) => {
    response
      .type('html')
      .send(page('Sign up', `<main id="clerk-sign-up"></main>${clerkScripts(config, "clerkReady.then(() => Clerk.mountSignUp(document.getElementById('clerk-sign-up'), { fallbackRedirectUrl: '/dashboard' }));")}`));
  });

  app.get('/dashboard', requireSignIn, async (request, response, next) => {
    try {
      const { userId, sessionId, orgId, orgRole } = getAuth(request);
      const user = await clerk.users.getUser(userId!);
      const email = user.primaryEmailAddress?.emailAddress ?? '';
      // Clerk's <UserButton/> (account, sign out) and <OrganizationSwitcher/>; switching reloads
      // the page, so what the server reads from the session (orgId, orgRole) follows.
      const mount = `clerkReady.then(() => {
  Clerk.mountUserButton(document.getElementById('user-button'), { afterSignOutUrl: '/' });
  Clerk.mountOrganizationSwitcher(document.getElementById('organization-switcher'), { afterSelectOrganizationUrl: '/dashboard', afterSelectPersonalUrl: '/dashboard', afterCreateOrganizationUrl: '/dashboard', afterLeaveOrganizationUrl: '/dashboard' });
});`;
      const signOut = "document.getElementById('sign-out').addEventListener('click', () => clerkReady.then(() => Clerk.signOut({ redirectUrl: '/' })));";
      response.type('html').send(
        page(
          'Dashboard',
          `<header style="display:flex;gap:1rem;align-items:center"><div id="organization-switcher"></div><div id="user-button"></div></header>
<h1>Dashboard</h1>
<dl><dt>User</dt><dd id="user">${escapeHtml(userId!)}</dd><dt>Email address</dt><dd id="email">${escapeHtml(email)}</dd><dt>Session</dt><dd id="session">${escapeHtml(sessionId ?? '')}</dd>
<dt>Organization</dt><dd id="org">${escapeHtml(orgId ?? '')}</dd><dt>Role</dt><dd id="org-role">${escapeHtml(orgRole ?? '')}</dd></dl>
<button type="button" id="sign-out">Sign out</button>
${clerkScripts(config, `${mount}\n${signOut}`)}`,
        ),
      );
    } catch (error) {
      next(error);
    }
  });

  return app;
}
