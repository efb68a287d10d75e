import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality for a freshly computed hash against the stored one. The length check may
 * return early because both lengths are fixed by the stored digest, never by the candidate password.
 */
export function constantTimeEqual(computed: Uint8Array, stored: Uint8Array): boolean {
  if (computed.length !== stored.length) return false;
  return timingSafeEqual(computed, stored);
}
