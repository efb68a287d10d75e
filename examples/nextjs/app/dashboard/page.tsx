import { SignOutButton } from '@clerk/nextjs';
import { auth, currentUser } from '@clerk/nextjs/server';

/**
 * Signed-in only (proxy.ts). `auth()` reads the session from the request; `currentUser()` asks
 * Gatehouse's Backend API (CLERK_API_URL, CLERK_SECRET_KEY) for the user.
 */
export default async function Dashboard() {
  const { userId, sessionId } = await auth();
  const user = await currentUser();
  return (
    <main>
      <h1>Dashboard</h1>
      <dl>
        <dt>User</dt>
        <dd id="user">{userId}</dd>
        <dt>Email address</dt>
        <dd id="email">{user?.primaryEmailAddress?.emailAddress}</dd>
        <dt>Session</dt>
        <dd id="session">{sessionId}</dd>
      </dl>
      <SignOutButton redirectUrl="/">
        <button type="button">Sign out</button>
      </SignOutButton>
    </main>
  );
}
