/**
 * The one entry point for password hashing. New passwords are hashed with argon2id (`hashPassword`);
 * digests imported through `POST /v1/users` (`password_digest` + `password_hasher`) are verified by the
 * hasher Clerk names, each accepting the digest format Clerk documents for it.
 *
 * After a successful `verifyPassword`, callers should store `hashPassword(password)` in place of the
 * old digest when the hasher is not `argon2id` or `needsRehash(digest)` is true.
 */
import { MAX_DIGEST_LENGTH, MAX_PASSWORD_BYTES } from './internal/limits.js';
import * as argon2i from './legacy/argon2i.js';
import * as argon2id from './legacy/argon2id.js';
import * as bcrypt from './legacy/bcrypt.js';
import * as bcryptSha256Django from './legacy/bcrypt-sha256-django.js';
import * as md5 from './legacy/md5.js';
import * as pbkdf2Sha1 from './legacy/pbkdf2-sha1.js';
import * as pbkdf2Sha256 from './legacy/pbkdf2-sha256.js';
import * as pbkdf2Sha256Django from './legacy/pbkdf2-sha256-django.js';
import * as pbkdf2Sha512 from './legacy/pbkdf2-sha512.js';
import * as phpass from './legacy/phpass.js';
import * as scryptFirebase from './legacy/scrypt-firebase.js';
import * as scryptWerkzeug from './legacy/scrypt-werkzeug.js';
import * as sha256 from './legacy/sha256.js';

export { hashPassword, needsRehash } from './argon2id.js';

export const PASSWORD_HASHERS = [
  'argon2i',
  'argon2id',
  'bcrypt',
  'bcrypt_sha256_django',
  'md5',
  'md5_phpass',
  'pbkdf2_sha1',
  'pbkdf2_sha256',
  'pbkdf2_sha256_django',
  'pbkdf2_sha512',
  'phpass',
  'scrypt_firebase',
  'scrypt_werkzeug',
  'sha256',
] as const;

export type PasswordHasher = (typeof PASSWORD_HASHERS)[number];

interface DigestVerifier {
  isWellFormed(digest: string): boolean;
  verify(digest: string, password: string): Promise<boolean>;
}

const VERIFIERS: Readonly<Record<PasswordHasher, DigestVerifier>> = {
  argon2i,
  argon2id,
  bcrypt,
  bcrypt_sha256_django: bcryptSha256Django,
  md5,
  // Clerk lists md5_phpass without a format of its own; phpass's portable hash is MD5-based, and
  // Clerk's migration tooling lists md5_phpass where it used to list phpass.
  md5_phpass: phpass,
  pbkdf2_sha1: pbkdf2Sha1,
  pbkdf2_sha256: pbkdf2Sha256,
  pbkdf2_sha256_django: pbkdf2Sha256Django,
  pbkdf2_sha512: pbkdf2Sha512,
  phpass,
  scrypt_firebase: scryptFirebase,
  scrypt_werkzeug: scryptWerkzeug,
  sha256,
};

/** Narrows untrusted input (a request field) to a supported hasher name. */
export function isPasswordHasher(value: unknown): value is PasswordHasher {
  // hasOwn rather than `in`, so names such as `constructor` or `__proto__` are not mistaken for hashers.
  return typeof value === 'string' && Object.hasOwn(VERIFIERS, value);
}

/**
 * Cheap syntactic check for an imported digest: the shape the hasher expects, with cost parameters
 * inside the limits this server is willing to run. Does no hashing.
 */
export function isWellFormedDigest(hasher: PasswordHasher, digest: string): boolean {
  if (!isPasswordHasher(hasher) || typeof digest !== 'string' || digest.length > MAX_DIGEST_LENGTH) return false;
  return VERIFIERS[hasher].isWellFormed(digest);
}

/**
 * Resolves true only when `password` produces `digest` under `hasher`. Never rejects: a malformed or
 * over-cost digest, or any failure inside a hasher, is a non-match.
 */
export async function verifyPassword(hasher: PasswordHasher, digest: string, password: string): Promise<boolean> {
  if (typeof password !== 'string' || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return false;
  if (!isWellFormedDigest(hasher, digest)) return false;
  try {
    return (await VERIFIERS[hasher].verify(digest, password)) === true;
  } catch {
    return false;
  }
}
