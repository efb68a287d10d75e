import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';

/**
 * Clerk's middleware (Next.js 16 calls it the proxy) on every page: it reads the session from the
 * request's cookies, asking Gatehouse for a fresh one through the handshake when it has expired.
 * `/dashboard` is for signed-in people only: anyone else is sent to this app's own `/sign-in`,
 * which brings them back afterwards. Keys and URLs come from the environment (README.md).
 */
const isProtected = createRouteMatcher(['/dashboard(.*)']);

export default clerkMiddleware(
  async (auth, request) => {
    if (isProtected(request)) await auth.protect();
  },
  { signInUrl: '/sign-in', signUpUrl: '/sign-up' },
);

export const config = {
  // Every page and route; not Next.js's own assets, nor static files (favicon.ico, images, fonts).
  matcher: ['/((?!_next/|.*\\.(?:ico|png|jpe?g|gif|svg|webp|avif|css|js|map|txt|woff2?)$).*)'],
};
