/**
 * `argon2i` (imported digest): a PHC string such as `$argon2i$v=19$m=65536,t=3,p=4$<salt>$<hash>`, standard
 * base64 without padding. `v=16` and strings without `v=` (pre-1.3 encoders) are accepted too.
 */
import { argon2Matches, isWithinArgon2Limits, parseArgon2Phc, type Argon2Phc } from '../internal/argon2-phc.js';

function parse(digest: string): Argon2Phc | null {
  const phc = parseArgon2Phc(digest);
  return phc?.variant === 'argon2i' && isWithinArgon2Limits(phc) ? phc : null;
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const phc = parse(digest);
  return phc === null ? false : argon2Matches(phc, password);
}
