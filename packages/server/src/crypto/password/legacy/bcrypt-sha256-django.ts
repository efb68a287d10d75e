/**
 * `bcrypt_sha256_django`: Django's BCryptSHA256PasswordHasher, stored as `bcrypt_sha256$` followed by
 * a bcrypt string (hence the doubled `$$`). Django hashes the password with SHA-256 first and feeds
 * bcrypt the lowercase hex of that, which sidesteps bcrypt's 72-byte truncation.
 */
import { createHash } from 'node:crypto';
import { bcryptMatches, isWellFormedBcrypt } from '../internal/bcrypt.js';

const PREFIX = 'bcrypt_sha256$';

export function isWellFormed(digest: string): boolean {
  return digest.startsWith(PREFIX) && isWellFormedBcrypt(digest.slice(PREFIX.length));
}

export function verify(digest: string, password: string): Promise<boolean> {
  if (!isWellFormed(digest)) return Promise.resolve(false);
  const prehashed = createHash('sha256').update(password, 'utf8').digest('hex');
  return bcryptMatches(digest.slice(PREFIX.length), prehashed);
}
