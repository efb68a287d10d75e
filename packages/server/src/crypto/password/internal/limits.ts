/**
 * Ceilings on the cost parameters that an imported digest may ask for. A digest carries its own work
 * factor, so without these an admin import (or a tampered row) could make every sign-in attempt for
 * that user burn seconds of CPU or gigabytes of memory. Real-world exports sit far below each ceiling;
 * anything above is reported as not well-formed instead of being run.
 */

/** Django's current default is 1,000,000 (Werkzeug too); ten times that is still a few seconds. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

/**
 * Derived-key lengths accepted for PBKDF2 and scrypt. Below 16 bytes a digest is short enough for
 * random passwords to collide with it; above 64 bytes PBKDF2 multiplies its work per extra block.
 */
export const MIN_DERIVED_KEY_BYTES = 16;
export const MAX_DERIVED_KEY_BYTES = 64;

/** scrypt: N must be a power of two; Werkzeug uses 2^15 and Firebase 2^14 by default. */
export const MAX_SCRYPT_N = 2 ** 20;
export const MAX_SCRYPT_R = 32;
export const MAX_SCRYPT_P = 16;
/** Memory is 128·N·r bytes; 128 MiB leaves room for 4× the defaults of both frameworks. */
export const MAX_SCRYPT_MEMORY_BYTES = 128 * 1024 * 1024;
/** Work grows with N·r·p even when memory does not, so p is bounded through the product. */
export const MAX_SCRYPT_WORK = 2 ** 22;

/** bcrypt cost is log2 of the rounds; 16 is already ~5 s in the pure-JS implementation. */
export const MIN_BCRYPT_COST = 4;
export const MAX_BCRYPT_COST = 16;

/** phpass stores log2 of its MD5 rounds; WordPress uses 13, phpBB 11. phpass itself refuses < 7. */
export const MIN_PHPASS_LOG2_ROUNDS = 7;
export const MAX_PHPASS_LOG2_ROUNDS = 16;

/** argon2: memory in KiB (256 MiB), passes, lanes, and a cap on memory × passes. */
export const MAX_ARGON2_MEMORY_KIB = 262_144;
export const MAX_ARGON2_PASSES = 64;
export const MAX_ARGON2_LANES = 16;
export const MAX_ARGON2_MEMORY_PASSES = 1_048_576;

/** No documented format comes close; this only bounds parsing work on hostile input. */
export const MAX_DIGEST_LENGTH = 1024;

/**
 * Passwords are capped at 256 characters elsewhere; 1 KiB of UTF-8 covers that. Hashers that feed
 * the password into every round (phpass) would otherwise scale their work with its length.
 */
export const MAX_PASSWORD_BYTES = 1024;
