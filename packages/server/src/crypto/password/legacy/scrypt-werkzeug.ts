/**
 * `scrypt_werkzeug`: what Werkzeug's generate_password_hash stores, `scrypt:<N>:<r>:<p>$<salt>$<hash hex>`.
 * The salt is literal text hashed as UTF-8 and the hash is hex (64 bytes by default). Clerk writes the
 * shape as `$<algorithm args>$<salt>$<hash>`, so one leading `$` is tolerated as well.
 */
import { constantTimeEqual } from '../internal/compare.js';
import { decodeHex, parseBoundedInt } from '../internal/encoding.js';
import { isSaneKeyLength, isSaneScryptCost, scryptAsync, type ScryptCost } from '../internal/kdf.js';

const METHOD = /^scrypt:([0-9]+):([0-9]+):([0-9]+)$/;

interface Parsed {
  cost: ScryptCost;
  salt: Buffer;
  hash: Buffer;
}

function parseCost(method: string): ScryptCost | null {
  const [, nText = '', rText = '', pText = ''] = METHOD.exec(method) ?? [];
  const N = parseBoundedInt(nText, 1, Number.MAX_SAFE_INTEGER);
  const r = parseBoundedInt(rText, 1, Number.MAX_SAFE_INTEGER);
  const p = parseBoundedInt(pText, 1, Number.MAX_SAFE_INTEGER);
  return N === null || r === null || p === null ? null : { N, r, p };
}

function parse(digest: string): Parsed | null {
  const body = digest.startsWith('$') ? digest.slice(1) : digest;
  const parts = body.split('$');
  if (parts.length !== 3) return null;
  const [method, saltText, hashText] = parts;
  if (method === undefined || !saltText || hashText === undefined) return null;

  const cost = parseCost(method);
  const hash = decodeHex(hashText);
  if (cost === null || !isSaneScryptCost(cost) || hash === null || !isSaneKeyLength(hash.length)) return null;
  return { cost, salt: Buffer.from(saltText, 'utf8'), hash };
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const parsed = parse(digest);
  if (parsed === null) return false;
  const computed = await scryptAsync(password, parsed.salt, parsed.hash.length, parsed.cost);
  return constantTimeEqual(computed, parsed.hash);
}
