/**
 * `scrypt_firebase`: Firebase Auth's modified scrypt. Clerk packs the per-user values and the
 * project's hash parameters into one string:
 *   <hash b64>$<salt b64>$<signer key b64>$<salt separator b64>$<rounds>$<memory cost>
 * Firebase derives a 32-byte key with scrypt(password, salt ‖ separator, N = 2^memCost, r = rounds,
 * p = 1), then encrypts the signer key with AES-256-CTR under that key and a zero IV; the stored hash
 * is that ciphertext.
 */
import { createCipheriv } from 'node:crypto';
import { constantTimeEqual } from '../internal/compare.js';
import { decodeBase64, parseBoundedInt } from '../internal/encoding.js';
import { isSaneKeyLength, isSaneScryptCost, scryptAsync, type ScryptCost } from '../internal/kdf.js';

const BASE64 = { padding: 'optional', urlSafe: false } as const;
const DERIVED_KEY_BYTES = 32;
const ZERO_IV = Buffer.alloc(16);
/** Bounds for the exponent; the resulting N is then held to the shared scrypt ceilings. */
const MAX_MEMORY_COST = 20;

interface Parsed {
  hash: Buffer;
  saltWithSeparator: Buffer;
  signerKey: Buffer;
  cost: ScryptCost;
}

function parse(digest: string): Parsed | null {
  const parts = digest.split('$');
  if (parts.length !== 6) return null;
  const [hashText, saltText, signerKeyText, separatorText, roundsText, memCostText] = parts;
  if (hashText === undefined || saltText === undefined || signerKeyText === undefined) return null;
  if (separatorText === undefined || roundsText === undefined || memCostText === undefined) return null;

  const hash = decodeBase64(hashText, BASE64);
  const salt = decodeBase64(saltText, BASE64);
  const signerKey = decodeBase64(signerKeyText, BASE64);
  const separator = decodeBase64(separatorText, BASE64);
  const rounds = parseBoundedInt(roundsText, 1, Number.MAX_SAFE_INTEGER);
  const memCost = parseBoundedInt(memCostText, 1, MAX_MEMORY_COST);
  if (hash === null || salt === null || signerKey === null || separator === null) return null;
  if (rounds === null || memCost === null || salt.length === 0) return null;
  // The hash is the signer key encrypted in CTR mode, so the two always have the same length.
  if (!isSaneKeyLength(hash.length) || hash.length !== signerKey.length) return null;

  const cost = { N: 2 ** memCost, r: rounds, p: 1 };
  if (!isSaneScryptCost(cost)) return null;
  return { hash, saltWithSeparator: Buffer.concat([salt, separator]), signerKey, cost };
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const parsed = parse(digest);
  if (parsed === null) return false;
  const key = await scryptAsync(password, parsed.saltWithSeparator, DERIVED_KEY_BYTES, parsed.cost);
  const cipher = createCipheriv('aes-256-ctr', key, ZERO_IV);
  const computed = Buffer.concat([cipher.update(parsed.signerKey), cipher.final()]);
  return constantTimeEqual(computed, parsed.hash);
}
