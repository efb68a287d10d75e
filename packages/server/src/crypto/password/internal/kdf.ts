import { pbkdf2, scrypt } from 'node:crypto';
import {
  MAX_DERIVED_KEY_BYTES,
  MAX_PBKDF2_ITERATIONS,
  MAX_SCRYPT_MEMORY_BYTES,
  MAX_SCRYPT_N,
  MAX_SCRYPT_P,
  MAX_SCRYPT_R,
  MAX_SCRYPT_WORK,
  MIN_DERIVED_KEY_BYTES,
} from './limits.js';
import { parseBoundedInt } from './encoding.js';

/*
 * The callback forms of pbkdf2 and scrypt run on the libuv thread pool; the *Sync forms would stall
 * every other request for the whole derivation.
 */

export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512';

export function parsePbkdf2Iterations(text: string): number | null {
  return parseBoundedInt(text, 1, MAX_PBKDF2_ITERATIONS);
}

export function isSaneKeyLength(bytes: number): boolean {
  return bytes >= MIN_DERIVED_KEY_BYTES && bytes <= MAX_DERIVED_KEY_BYTES;
}

export function pbkdf2Async(
  password: string,
  salt: Uint8Array,
  iterations: number,
  keyLength: number,
  digest: Pbkdf2Digest,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, keyLength, digest, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export interface ScryptCost {
  /** CPU/memory cost; a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation (run sequentially by OpenSSL, so it multiplies time). */
  p: number;
}

export function isSaneScryptCost({ N, r, p }: ScryptCost): boolean {
  const integers = Number.isSafeInteger(N) && Number.isSafeInteger(r) && Number.isSafeInteger(p);
  if (!integers || N < 2 || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0) return false;
  if (r < 1 || r > MAX_SCRYPT_R || p < 1 || p > MAX_SCRYPT_P) return false;
  // scrypt's definition requires N < 2^(16·r); OpenSSL refuses anything else, which would make the
  // digest fail on every attempt rather than at import.
  if (N >= 2 ** (16 * r)) return false;
  return 128 * N * r <= MAX_SCRYPT_MEMORY_BYTES && N * r * p <= MAX_SCRYPT_WORK;
}

export function scryptAsync(
  password: string | Uint8Array,
  salt: Uint8Array,
  keyLength: number,
  cost: ScryptCost,
): Promise<Buffer> {
  // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default ceiling of 32 MiB would refuse some
  // legitimate digests, so the ceiling is set per call from parameters already checked above.
  const maxmem = 128 * cost.r * (cost.N + cost.p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { ...cost, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
