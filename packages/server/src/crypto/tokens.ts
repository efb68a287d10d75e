import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeBase62 } from './base62.js';

/**
 * The one place that turns randomness into secrets and secrets into stored hashes. Every
 * one-time secret and API key is stored only as `hashSecret(secret)`; lookups go by that hash.
 */

/** A random secret of `bytes` bytes of entropy, as base62 (URL- and header-safe, no padding). */
export function randomSecret(bytes = 32): string {
  return encodeBase62(randomBytes(bytes), Math.ceil((bytes * 8) / Math.log2(62)));
}

/** SHA-256 hex digest: right for high-entropy secrets (≥ 128 bits), which need no slow hash. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time equality of two strings of possibly different length. */
export function constantTimeEqual(a: string, b: string): boolean {
  // Hash both first so the comparison runs on equal-length inputs and leaks no length.
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
