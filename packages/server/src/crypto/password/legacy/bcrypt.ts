/** `bcrypt`: a plain modular-crypt bcrypt string, `$2b$<cost>$<22-char salt><31-char checksum>`. */
import { bcryptMatches, isWellFormedBcrypt } from '../internal/bcrypt.js';

export function isWellFormed(digest: string): boolean {
  return isWellFormedBcrypt(digest);
}

export function verify(digest: string, password: string): Promise<boolean> {
  return bcryptMatches(digest, password);
}
