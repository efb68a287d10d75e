/**
 * `pbkdf2_sha256_django`: Django's PBKDF2PasswordHasher as stored in `auth_user.password`,
 * `pbkdf2_sha256$<iterations>$<salt>$<hash b64>`. The salt is the literal text Django generated and is
 * hashed as its UTF-8 bytes; the hash is standard padded base64 (Python's b64encode).
 */
import { constantTimeEqual } from '../internal/compare.js';
import { decodeBase64 } from '../internal/encoding.js';
import { isSaneKeyLength, parsePbkdf2Iterations, pbkdf2Async } from '../internal/kdf.js';

interface Parsed {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(digest: string): Parsed | null {
  const [scheme, iterationsText, saltText, hashText, ...rest] = digest.split('$');
  if (scheme !== 'pbkdf2_sha256' || rest.length > 0) return null;
  if (iterationsText === undefined || !saltText || hashText === undefined) return null;

  const iterations = parsePbkdf2Iterations(iterationsText);
  const hash = decodeBase64(hashText, { padding: 'optional', urlSafe: false });
  if (iterations === null || hash === null || !isSaneKeyLength(hash.length)) return null;
  return { iterations, salt: Buffer.from(saltText, 'utf8'), hash };
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const parsed = parse(digest);
  if (parsed === null) return false;
  const computed = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.hash.length, 'sha256');
  return constantTimeEqual(computed, parsed.hash);
}
