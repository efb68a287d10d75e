/**
 * `pbkdf2_sha512`: `pbkdf2_sha512$<iterations>$<salt>$<hash hex>`. Clerk's reference (as shipped in
 * @clerk/backend's type docs) says the salt is an unencoded literal and the hash is hex.
 */
import { constantTimeEqual } from '../internal/compare.js';
import { decodeHex } from '../internal/encoding.js';
import { isSaneKeyLength, parsePbkdf2Iterations, pbkdf2Async } from '../internal/kdf.js';

interface Parsed {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(digest: string): Parsed | null {
  const [scheme, iterationsText, saltText, hashText, ...rest] = digest.split('$');
  if (scheme !== 'pbkdf2_sha512' || rest.length > 0) return null;
  if (iterationsText === undefined || !saltText || hashText === undefined) return null;

  const iterations = parsePbkdf2Iterations(iterationsText);
  const hash = decodeHex(hashText);
  if (iterations === null || hash === null || !isSaneKeyLength(hash.length)) return null;
  return { iterations, salt: Buffer.from(saltText, 'utf8'), hash };
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const parsed = parse(digest);
  if (parsed === null) return false;
  const computed = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.hash.length, 'sha512');
  return constantTimeEqual(computed, parsed.hash);
}
