import type { SignInSubject } from './index.js';

/** The verified email address a code or link goes to: the one the person signed in with, else the primary. */
export function signInEmailAddress({ signIn, user }: SignInSubject) {
  const verified = user.emailAddresses.filter((e) => e.verification_status === 'verified');
  return verified.find((e) => e.id === signIn.email_address_id) ?? verified.find((e) => e.id === user.row.primary_email_address_id) ?? verified[0];
}
