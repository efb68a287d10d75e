import { OrganizationSwitcher, SignOutButton, UserButton } from '@clerk/nextjs';
import { auth, currentUser } from '@clerk/nextjs/server';

/**
 * Signed-in only (proxy.ts). `auth()` reads the session from the request, its active organization
 * included; `currentUser()` asks Gatehouse's Backend API (CLERK_API_URL, CLERK_SECRET_KEY) for the
 * user. `<UserButton/>` opens the account, `<OrganizationSwitcher/>` changes the active organization.
 */
export default async function Dashboard() {
  const { userId, sessionId, orgId, orgRole } = await auth();
  const user = await currentUser();
  return (
    <main>
      <header style={{ display: 'flex', gap: '1rem', alignItems: 'center' }}>
        <OrganizationSwitcher afterSelectOrganizationUrl="/dashboard" afterSelectPersonalUrl="/dashboard" afterCreateOrganizationUrl="/dashboard" />
        <UserButton />
      </header>
      <h1>Dashboard</h1>
      <dl>
        <dt>User</dt>
        <dd id="user">{userId}</dd>
        <dt>Email address</dt>
        <dd id="email">{user?.primaryEmailAddress?.emailAddress}</dd>
        <dt>Session</dt>
        <dd id="session">{sessionId}</dd>
        <dt>Organization</dt>
        <dd id="org">{orgId ?? ''}</dd>
        <dt>Role</dt>
        <dd id="org-role">{orgRole ?? ''}</dd>
      </dl>
      <SignOutButton redirectUrl="/">
        <button type="button">Sign out</button>
      </SignOutButton>
    </main>
  );
}
