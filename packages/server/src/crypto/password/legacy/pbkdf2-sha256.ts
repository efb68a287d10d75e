/**
 * `pbkdf2_sha256` (Clerk's generic form, not Django's): `pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`.
 * Clerk says only "base64-encoded", so both alphabets are accepted, with or without padding.
 */
import { constantTimeEqual } from '../internal/compare.js';
import { decodeBase64 } from '../internal/encoding.js';
import { isSaneKeyLength, parsePbkdf2Iterations, pbkdf2Async } from '../internal/kdf.js';

const BASE64 = { padding: 'optional', urlSafe: true } as const;

interface Parsed {
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(digest: string): Parsed | null {
  const [scheme, iterationsText, saltText, hashText, ...rest] = digest.split('$');
  if (scheme !== 'pbkdf2_sha256' || rest.length > 0) return null;
  if (iterationsText === undefined || saltText === undefined || hashText === undefined) return null;

  const iterations = parsePbkdf2Iterations(iterationsText);
  const salt = decodeBase64(saltText, BASE64);
  const hash = decodeBase64(hashText, BASE64);
  if (iterations === null || salt === null || salt.length === 0) return null;
  if (hash === null || !isSaneKeyLength(hash.length)) return null;
  return { iterations, salt, hash };
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
