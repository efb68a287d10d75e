import { SignIn } from '@clerk/nextjs';

/** Clerk's `<SignIn/>` on this app's own page; it talks to Gatehouse's Frontend API. */
export default function SignInPage() {
  return (
    <main style={{ display: 'flex', justifyContent: 'center' }}>
      <SignIn />
    </main>
  );
}
