import { SignUp } from '@clerk/nextjs';

/** Clerk's `<SignUp/>` on this app's own page; it talks to Gatehouse's Frontend API. */
export default function SignUpPage() {
  return (
    <main style={{ display: 'flex', justifyContent: 'center' }}>
      <SignUp />
    </main>
  );
}
