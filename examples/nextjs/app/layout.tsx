import { ClerkProvider } from '@clerk/nextjs';
import { connection } from 'next/server';
import type { ReactNode } from 'react';

export const metadata = { title: 'Gatehouse example · Next.js' };

/**
 * `<ClerkProvider>` reads its keys and URLs from the environment (README.md):
 * NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY, NEXT_PUBLIC_CLERK_PROXY_URL, NEXT_PUBLIC_CLERK_JS_URL and
 * NEXT_PUBLIC_CLERK_UI_URL. `connection()` renders every page at request time, so those are read
 * when the server runs rather than frozen into the build: one build serves any Gatehouse.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <ClerkProvider signInUrl="/sign-in" signUpUrl="/sign-up">
      <html lang="en">
        <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem' }}>
          <nav style={{ display: 'flex', gap: '1rem', marginBottom: '2rem' }}>
            <a href="/">Home</a>
            <a href="/dashboard">Dashboard</a>
            <a href="/sign-in">Sign in</a>
            <a href="/sign-up">Sign up</a>
          </nav>
          {children}
        </body>
      </html>
    </ClerkProvider>
  );
}
