/**
 * `pbkdf2_sha1`, per Clerk's createUser reference, in two shapes:
 *   pbkdf2_sha1$<iterations>$<salt>$<hash hex>
 *   pbkdf2_sha1$<iterations>$<salt>$<hash hex>$<key length>
 * The salt is hex-decoded when it is valid hex and used as its UTF-8 bytes otherwise (Clerk's rule).
 * The derived-key length is the hash's byte length; an explicit key length must agree with it.
 */
import { constantTimeEqual } from '../internal/compare.js';
import { decodeHex, parseBoundedInt } from '../internal/encoding.js';
import { isSaneKeyLength, parsePbkdf2Iterations, pbkdf2Async } from '../internal/kdf.js';
import { MAX_DERIVED_KEY_BYTES } from '../internal/limits.js';

interface Parsed {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(digest: string): Parsed | null {
  const parts = digest.split('$');
  if (parts.length !== 4 && parts.length !== 5) return null;
  const [scheme, iterationsText, saltText, hashText, keyLengthText] = parts;
  if (scheme !== 'pbkdf2_sha1' || iterationsText === undefined || !saltText || hashText === undefined) return null;

  const iterations = parsePbkdf2Iterations(iterationsText);
  const hash = decodeHex(hashText);
  if (iterations === null || hash === null || !isSaneKeyLength(hash.length)) return null;
  if (keyLengthText !== undefined && parseBoundedInt(keyLengthText, 1, MAX_DERIVED_KEY_BYTES) !== hash.length) {
    return null;
  }
  const salt = decodeHex(saltText) ?? Buffer.from(saltText, 'utf8');
  return { iterations, salt, hash };
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const parsed = parse(digest);
  if (parsed === null) return false;
  const computed = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.hash.length, 'sha1');
  return constantTimeEqual(computed, parsed.hash);
}
