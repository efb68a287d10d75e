import { hashRaw } from '@node-rs/argon2';
import type { Algorithm, Version } from '@node-rs/argon2';
import { constantTimeEqual } from './compare.js';
import { decodeBase64 } from './encoding.js';
import {
  MAX_ARGON2_LANES,
  MAX_ARGON2_MEMORY_KIB,
  MAX_ARGON2_MEMORY_PASSES,
  MAX_ARGON2_PASSES,
} from './limits.js';

export type Argon2Variant = 'argon2d' | 'argon2i' | 'argon2id';

/** The fields of an argon2 PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. */
export interface Argon2Phc {
  variant: Argon2Variant;
  /** 0x10 or 0x13; a string without `v=` predates the field and means 0x10. */
  version: 16 | 19;
  memoryKiB: number;
  passes: number;
  lanes: number;
  salt: Buffer;
  hash: Buffer;
}

const PHC =
  /^\$(argon2d|argon2i|argon2id)(?:\$v=(16|19))?\$m=([1-9][0-9]{0,9}),t=([1-9][0-9]{0,9}),p=([1-9][0-9]{0,2})\$([^$]+)\$([^$]+)$/;

/** Argon2's own minimums (RFC 9106 §3.1) and an upper bound on tag length nobody exceeds. */
const MIN_SALT_BYTES = 8;
const MIN_HASH_BYTES = 16;
const MAX_HASH_BYTES = 128;

/** Syntactic parse only; cost ceilings are checked separately so `needsRehash` can read any string. */
export function parseArgon2Phc(text: string): Argon2Phc | null {
  const match = PHC.exec(text);
  if (match === null) return null;
  const [, variant, version, m, t, p, saltText, hashText] = match;
  if (variant === undefined || m === undefined || t === undefined || p === undefined) return null;
  if (saltText === undefined || hashText === undefined) return null;

  // PHC strings use standard base64 with the padding stripped.
  const salt = decodeBase64(saltText, { padding: 'forbidden', urlSafe: false });
  const hash = decodeBase64(hashText, { padding: 'forbidden', urlSafe: false });
  if (salt === null || hash === null) return null;
  if (salt.length < MIN_SALT_BYTES || hash.length < MIN_HASH_BYTES || hash.length > MAX_HASH_BYTES) return null;

  const lanes = Number(p);
  const memoryKiB = Number(m);
  // Argon2 needs at least 8 KiB of memory per lane.
  if (memoryKiB < 8 * lanes) return null;
  return {
    variant: variant as Argon2Variant,
    version: version === '19' ? 19 : 16,
    memoryKiB,
    passes: Number(t),
    lanes,
    salt,
    hash,
  };
}

export function isWithinArgon2Limits(phc: Argon2Phc): boolean {
  return (
    phc.memoryKiB <= MAX_ARGON2_MEMORY_KIB &&
    phc.passes <= MAX_ARGON2_PASSES &&
    phc.lanes <= MAX_ARGON2_LANES &&
    phc.memoryKiB * phc.passes <= MAX_ARGON2_MEMORY_PASSES
  );
}

/*
 * @node-rs/argon2 declares Algorithm and Version as `const enum`s: their members are erased at
 * compile time and the runtime objects it exports are empty, so the numeric ids are spelled out.
 */
export const ARGON2_ALGORITHM_ID: Readonly<Record<Argon2Variant, Algorithm>> = {
  argon2d: 0 as Algorithm,
  argon2i: 1 as Algorithm,
  argon2id: 2 as Algorithm,
};
const ARGON2_VERSION_ID: Readonly<Record<Argon2Phc['version'], Version>> = {
  16: 0 as Version,
  19: 1 as Version,
};

/**
 * Recomputes the raw tag with the stored parameters (on the libuv pool) and compares it here, so
 * the comparison is ours and constant-time rather than whatever the binding does.
 */
export async function argon2Matches(phc: Argon2Phc, password: string): Promise<boolean> {
  const computed = await hashRaw(password, {
    algorithm: ARGON2_ALGORITHM_ID[phc.variant],
    version: ARGON2_VERSION_ID[phc.version],
    memoryCost: phc.memoryKiB,
    timeCost: phc.passes,
    parallelism: phc.lanes,
    outputLen: phc.hash.length,
    salt: phc.salt,
  });
  return constantTimeEqual(computed, phc.hash);
}
