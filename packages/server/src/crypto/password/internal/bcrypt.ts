import { hash as bcryptHash } from 'bcryptjs';
import { constantTimeEqual } from './compare.js';
import { MAX_BCRYPT_COST, MIN_BCRYPT_COST } from './limits.js';

/**
 * Modular-crypt bcrypt: `$2b$12$` + 22 salt characters + 31 checksum characters. `2a`, `2b` and `2y`
 * differ only in how historical implementations handled long or 8-bit passwords, and hash
 * identically for any password a correct implementation accepts. The checksum encodes 23 bytes in
 * 31 characters, leaving the last character's 2 low bits unused, so only 16 characters can end it.
 */
const BCRYPT = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{22}[./A-Za-z0-9]{30}[.CGKOSWaeimquy26]$/;
const SETTING_LENGTH = 29;

export function isWellFormedBcrypt(text: string): boolean {
  const match = BCRYPT.exec(text);
  if (match?.[1] === undefined) return false;
  const cost = Number(match[1]);
  return cost >= MIN_BCRYPT_COST && cost <= MAX_BCRYPT_COST;
}

/**
 * bcryptjs is pure JavaScript; its async form works in slices and yields to the event loop between
 * them, so a slow cost does not freeze other requests. Only the checksum is compared: the salt part
 * of the recomputed string is re-encoded and may differ from a non-canonical stored one.
 */
export async function bcryptMatches(text: string, password: string): Promise<boolean> {
  if (!isWellFormedBcrypt(text)) return false;
  const computed = await bcryptHash(password, text.slice(0, SETTING_LENGTH));
  return constantTimeEqual(
    Buffer.from(computed.slice(SETTING_LENGTH), 'latin1'),
    Buffer.from(text.slice(SETTING_LENGTH), 'latin1'),
  );
}
