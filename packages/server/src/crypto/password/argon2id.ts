/**
 * Gatehouse's own password hashing: argon2id with OWASP's minimum recommended parameters
 * (19 MiB, 2 passes, 1 lane). @node-rs/argon2's async `hash` runs on the libuv thread pool.
 */
import { hash } from '@node-rs/argon2';
import { ARGON2_ALGORITHM_ID, parseArgon2Phc } from './internal/argon2-phc.js';

export const ARGON2ID_POLICY = {
  memoryKiB: 19_456,
  passes: 2,
  lanes: 1,
  /** The binding's defaults, stated so a stored digest can be checked against them. */
  saltBytes: 16,
  hashBytes: 32,
} as const;

/** Returns a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) with a fresh random salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, {
    algorithm: ARGON2_ALGORITHM_ID.argon2id,
    memoryCost: ARGON2ID_POLICY.memoryKiB,
    timeCost: ARGON2ID_POLICY.passes,
    parallelism: ARGON2ID_POLICY.lanes,
    outputLen: ARGON2ID_POLICY.hashBytes,
  });
}

/**
 * True when a stored digest should be replaced by `hashPassword` at the next successful sign-in:
 * it is not argon2id 1.3, or any cost, salt or tag size falls below the current policy. Stronger
 * parameters are left alone. Anything unparseable is reported as needing a rehash.
 */
export function needsRehash(phc: string): boolean {
  const parsed = parseArgon2Phc(phc);
  if (parsed === null) return true;
  return (
    parsed.variant !== 'argon2id' ||
    parsed.version !== 19 ||
    parsed.memoryKiB < ARGON2ID_POLICY.memoryKiB ||
    parsed.passes < ARGON2ID_POLICY.passes ||
    parsed.salt.length < ARGON2ID_POLICY.saltBytes ||
    parsed.hash.length < ARGON2ID_POLICY.hashBytes
  );
}
