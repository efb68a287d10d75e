/** `md5` (insecure, unsalted): the 32-character hex MD5 of the UTF-8 password. */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../internal/compare.js';
import { decodeHex } from '../internal/encoding.js';

const MD5_BYTES = 16;

function parse(digest: string): Buffer | null {
  const stored = decodeHex(digest);
  return stored?.length === MD5_BYTES ? stored : null;
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const stored = parse(digest);
  if (stored === null) return false;
  return constantTimeEqual(createHash('md5').update(password, 'utf8').digest(), stored);
}
