/** `sha256` (insecure, unsalted): the 64-character hex SHA-256 of the UTF-8 password. */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../internal/compare.js';
import { decodeHex } from '../internal/encoding.js';

const SHA256_BYTES = 32;

function parse(digest: string): Buffer | null {
  const stored = decodeHex(digest);
  return stored?.length === SHA256_BYTES ? stored : null;
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const stored = parse(digest);
  if (stored === null) return false;
  return constantTimeEqual(createHash('sha256').update(password, 'utf8').digest(), stored);
}
