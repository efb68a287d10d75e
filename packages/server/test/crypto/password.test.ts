import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  PASSWORD_HASHERS,
  hashPassword,
  isPasswordHasher,
  isWellFormedDigest,
  needsRehash,
  verifyPassword,
  type PasswordHasher,
} from '../../src/crypto/password/index.js';

/*
 * Every digest below was produced outside this code base, so a shared misunderstanding between the
 * implementation and the test cannot make both agree:
 * - published vectors (OpenBSD/jBCrypt bcrypt, RFC 6070, the argon2 reference test suite, passlib's
 *   phpass vectors, the firebase/scrypt README, Clerk's own md5 example);
 * - Python 3.11: Werkzeug 3.1 generate_password_hash, hashlib (pbkdf2_hmac, sha256, md5), crypt(3)
 *   from libxcrypt for bcrypt, and the Django hasher formats assembled by hand from hashlib output.
 */
interface KnownAnswer {
  hasher: PasswordHasher;
  password: string;
  digest: string;
  source: string;
}

const KNOWN_ANSWERS: KnownAnswer[] = [
  {
    hasher: 'bcrypt',
    password: 'abc',
    digest: '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i',
    source: 'OpenBSD bcrypt test vector (as carried by jBCrypt)',
  },
  {
    hasher: 'bcrypt',
    password: 'abc',
    digest: '$2b$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i',
    source: 'libxcrypt crypt(3), $2b$ prefix',
  },
  {
    hasher: 'bcrypt',
    password: 'correct horse battery staple',
    digest: '$2y$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS',
    source: 'libxcrypt crypt(3), $2y$ prefix as PHP writes it',
  },
  {
    hasher: 'bcrypt',
    password: 'Tr0ub4dor&3',
    digest: '$2a$04$ZYXWVUTSRQPONMLKJIHGFedd6koLJe1gPrcevv1LJ7oKLvp558ud2',
    source: 'libxcrypt crypt(3), minimum cost',
  },
  {
    hasher: 'bcrypt_sha256_django',
    password: 'django-pass-ünïcode',
    digest: 'bcrypt_sha256$$2b$05$O0ooO0ooO0ooO0ooO0ooOutQvGL0pqMQINYcbD3KloHBEtKGnsadC',
    source: 'crypt(3) over hex(sha256(password)), prefixed as Django stores it',
  },
  {
    hasher: 'argon2i',
    password: 'password',
    digest: '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA',
    source: 'argon2 reference implementation test suite (v1.3)',
  },
  {
    hasher: 'argon2i',
    password: 'password',
    digest: '$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ',
    source: 'argon2 reference implementation test suite (v1.0, no v= field)',
  },
  {
    hasher: 'argon2id',
    password: 'password',
    digest: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    source: 'argon2 reference implementation test suite',
  },
  {
    hasher: 'pbkdf2_sha1',
    password: 'password',
    digest: 'pbkdf2_sha1$4096$salt$4b007901b765489abead49d926f721d065a429c1',
    source: 'RFC 6070 §2 (salt is not hex, so its raw bytes are used)',
  },
  {
    hasher: 'pbkdf2_sha1',
    password: 'passwordPASSWORDpassword',
    digest: 'pbkdf2_sha1$4096$saltSALTsaltSALTsaltSALTsaltSALTsalt$3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038',
    source: 'RFC 6070 §2, 25-byte key',
  },
  {
    hasher: 'pbkdf2_sha1',
    password: 'sha1-hex-salt',
    digest:
      'pbkdf2_sha1$10000$a1b2c3d4e5f60718293a4b5c6d7e8f90$0345e0407ffd7a3c981c7a5d67830e2f0733f7dd267d43d7a6754038219b972c$32',
    source: 'hashlib.pbkdf2_hmac over the hex-decoded salt, with explicit key length',
  },
  {
    hasher: 'pbkdf2_sha256',
    password: 'clerk-b64-pass',
    digest: 'pbkdf2_sha256$30000$AQIDBAUGBwgJCgsMDQ4PEA==$GZXYQyKc7J2yVQlky9koEgCQeE1jWvo3XBUuKY6SshA=',
    source: 'hashlib.pbkdf2_hmac, salt and hash base64',
  },
  {
    hasher: 'pbkdf2_sha256_django',
    password: 'hunter2-django',
    digest: 'pbkdf2_sha256$100000$q0sTN8RrGQeXv6aPNj5yJ3$7Yh6Pf9ol0dSqsBfq4EBAmZOR1I0UY1SPc2U13TZZ3E=',
    source: 'hashlib.pbkdf2_hmac in Django layout (literal salt, base64 hash)',
  },
  {
    hasher: 'pbkdf2_sha512',
    password: 'sha512-pass',
    digest:
      'pbkdf2_sha512$25000$NaCl-and-pepper$c274b0b26d2e5d1581507327735f9248578b5e5f998ce2be564eb860b1ef28615365635fb265f2a26f5e069cab7aa4952ac40a19a1a5a21c73ffc210571158a0',
    source: 'hashlib.pbkdf2_hmac, literal salt, hex hash',
  },
  {
    hasher: 'scrypt_firebase',
    password: 'user1password',
    digest:
      'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==' +
      '$42xEC+ixf3L2lw==' +
      '$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==' +
      '$Bw==$8$14',
    source: 'firebase/scrypt README example, packed in Clerk order',
  },
  {
    hasher: 'scrypt_werkzeug',
    password: 'flask-secret',
    digest:
      'scrypt:16384:8:1$Ow3aUdZqZhU9lT2u$01a206c392d48340a8997681a38897b01e9ab5dc129ed654cd4974a50f0a80c9c96d4a93a8f3d6c57d6e5639df58a90ba0c17586bf39c4b4750a741e34de1637',
    source: 'Werkzeug 3.1 generate_password_hash(method="scrypt:16384:8:1")',
  },
  {
    hasher: 'scrypt_werkzeug',
    password: 'flask-default',
    digest:
      'scrypt:32768:8:1$hJtmxNB5jkgSioKe$6ebbd21facf7877d32479ef6b7e1c126bf386f36252bf17d9ce4e7e494d32721bf452a471428874160b33c8f25cb56882915269726a28a0386bfe85b4186b7b7',
    source: 'Werkzeug 3.1 generate_password_hash with its default method',
  },
  {
    hasher: 'sha256',
    password: 'test',
    digest: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    source: "Clerk's createUser reference example",
  },
  {
    hasher: 'sha256',
    password: 'sha-256 päss',
    digest: 'bc345f56b943649f5f58c81d6b11d6d2eea607ec6b7cc8ec79f1a94718b2d764',
    source: 'hashlib.sha256 over UTF-8',
  },
  {
    hasher: 'md5',
    password: 'password',
    digest: '5f4dcc3b5aa765d61d8327deb882cf99',
    source: "Clerk's createUser reference example",
  },
  {
    hasher: 'md5',
    password: 'md5 päss',
    digest: 'c6cdc3f62c187f97c3d8da16f06cf364',
    source: 'hashlib.md5 over UTF-8',
  },
  {
    hasher: 'phpass',
    password: 'test12345',
    digest: '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0',
    source: "phpass's own test script (also in passlib's vectors)",
  },
  {
    hasher: 'phpass',
    password: 'test1',
    digest: '$H$9aaaaaSXBjgypwqm.JsMssPLiS8YQ00',
    source: "passlib's phpass vectors ($H$ as phpBB writes it)",
  },
  {
    hasher: 'md5_phpass',
    password: 'wordpress ✓ pass',
    digest: '$P$BuPQvXy1ZAHiqz5eXtqe2Wlts.2hO2/',
    source: 'phpass algorithm re-implemented in Python, checked against the two vectors above',
  },
];

/** Digests each hasher must refuse at import time, with why. */
const MALFORMED: Record<PasswordHasher, Array<[reason: string, digest: string]>> = {
  bcrypt: [
    ['cost above the ceiling', '$2b$17$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
    ['cost below bcrypt minimum', '$2b$03$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
    ['unknown minor version', '$2x$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
    ['truncated checksum', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0'],
    ['checksum ending in a character no encoder emits', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0j'],
    ['salt and checksum of the wrong combined length', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0ii'],
  ],
  bcrypt_sha256_django: [
    ['plain bcrypt without the Django prefix', '$2b$05$O0ooO0ooO0ooO0ooO0ooOutQvGL0pqMQINYcbD3KloHBEtKGnsadC'],
    ['prefix with a single separator', 'bcrypt_sha256$2b$05$O0ooO0ooO0ooO0ooO0ooOutQvGL0pqMQINYcbD3KloHBEtKGnsadC'],
  ],
  argon2i: [
    ['an argon2id digest', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
    ['1 GiB of memory', '$argon2i$v=19$m=1048576,t=2,p=1$c29tZXNhbHQ$0Vh6ygkiw7XWqD7asxvuPE667zQu1hJ6VdGbI1GtH0E'],
    ['hash missing', '$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ'],
  ],
  argon2id: [
    ['too many passes', '$argon2id$v=19$m=65536,t=100,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
    ['salt shorter than 8 bytes', '$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
    ['padded base64', '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
    ['unknown version', '$argon2id$v=20$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'],
  ],
  pbkdf2_sha1: [
    ['iterations above the ceiling', 'pbkdf2_sha1$10000001$salt$4b007901b765489abead49d926f721d065a429c1'],
    ['hash not hex', 'pbkdf2_sha1$4096$salt$S wAebdlSJq+rUnZJvchHQZaQpwc='],
    ['key length disagreeing with the hash', 'pbkdf2_sha1$4096$salt$4b007901b765489abead49d926f721d065a429c1$32'],
    ['empty salt', 'pbkdf2_sha1$4096$$4b007901b765489abead49d926f721d065a429c1'],
  ],
  pbkdf2_sha256: [
    ['salt not base64', 'pbkdf2_sha256$30000$not base64!$GZXYQyKc7J2yVQlky9koEgCQeE1jWvo3XBUuKY6SshA='],
    ['zero iterations', 'pbkdf2_sha256$0$AQIDBAUGBwgJCgsMDQ4PEA==$GZXYQyKc7J2yVQlky9koEgCQeE1jWvo3XBUuKY6SshA='],
    ['wrong scheme', 'pbkdf2_sha512$30000$AQIDBAUGBwgJCgsMDQ4PEA==$GZXYQyKc7J2yVQlky9koEgCQeE1jWvo3XBUuKY6SshA='],
  ],
  pbkdf2_sha256_django: [
    ['hash not base64', 'pbkdf2_sha256$100000$q0sTN8RrGQeXv6aPNj5yJ3$7Yh6Pf9ol0dSqsBfq4EBAmZOR1I0UY1S*c2U13TZZ3E='],
    ['an extra field', 'pbkdf2_sha256$100000$q0sTN8RrGQeXv6aPNj5yJ3$7Yh6Pf9ol0dSqsBfq4EBAmZOR1I0UY1SPc2U13TZZ3E=$x'],
    ['iterations written with a leading zero', 'pbkdf2_sha256$0100000$q0sTN8RrGQeXv6aPNj5yJ3$7Yh6Pf9ol0dSqsBfq4EBAmZOR1I0UY1SPc2U13TZZ3E='],
  ],
  pbkdf2_sha512: [
    ['iterations in exponent notation', 'pbkdf2_sha512$1e6$NaCl$c274b0b26d2e5d1581507327735f9248'],
    ['base64 hash instead of hex', 'pbkdf2_sha512$25000$NaCl$wnSwsm0uXRWBUHMnc1+SSFeLXl+ZjOK+Vk64YLHvKGE='],
  ],
  scrypt_firebase: [
    ['five segments', 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$Bw==$8$14'],
    [
      'memory cost 2^21',
      'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==' +
        '$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$8$21',
    ],
    [
      'memory beyond the ceiling through rounds',
      'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==' +
        '$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$32$20',
    ],
    [
      'hash shorter than the signer key',
      'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1Q=$42xEC+ixf3L2lw==' +
        '$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$8$14',
    ],
  ],
  scrypt_werkzeug: [
    ['N of 2^21', 'scrypt:2097152:8:1$Ow3aUdZqZhU9lT2u$01a206c392d48340a8997681a38897b01e9ab5dc129ed654cd4974a50f0a80c9'],
    ['N not a power of two', 'scrypt:10000:8:1$Ow3aUdZqZhU9lT2u$01a206c392d48340a8997681a38897b01e9ab5dc129ed654cd4974a50f0a80c9'],
    ['a pbkdf2 method', 'pbkdf2:sha256:600000$Ow3aUdZqZhU9lT2u$01a206c392d48340a8997681a38897b01e9ab5dc129ed654cd4974a50f0a80c9'],
    ['odd-length hex', 'scrypt:16384:8:1$Ow3aUdZqZhU9lT2u$01a206c392d48340a8997681a38897b01e9ab5dc129ed654cd4974a50f0a80c'],
  ],
  sha256: [
    ['63 hex characters', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0'],
    ['a non-hex character', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g'],
    ['an md5-length digest', '5f4dcc3b5aa765d61d8327deb882cf99'],
  ],
  md5: [
    ['31 hex characters', '5f4dcc3b5aa765d61d8327deb882cf9'],
    ['surrounding whitespace', ' 5f4dcc3b5aa765d61d8327deb882cf99 '],
  ],
  phpass: [
    ['2^21 rounds', '$P$JIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'],
    ['fewer rounds than phpass allows', '$P$4IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'],
    ['unknown identifier', '$Q$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'],
    ['truncated', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L'],
  ],
  md5_phpass: [
    ['a checksum ending in a character no encoder emits', '$P$BuPQvXy1ZAHiqz5eXtqe2Wlts.2hO2z'],
    ['a bare md5', '5f4dcc3b5aa765d61d8327deb882cf99'],
  ],
};

describe('legacy password digests', () => {
  describe.each(KNOWN_ANSWERS)('$hasher digest from $source', ({ hasher, password, digest }) => {
    it('is accepted as well-formed', () => {
      expect(isWellFormedDigest(hasher, digest)).toBe(true);
    });

    it('verifies the password it was made from', async () => {
      await expect(verifyPassword(hasher, digest, password)).resolves.toBe(true);
    });

    it('rejects a password that differs by one character', async () => {
      await expect(verifyPassword(hasher, digest, `${password.slice(0, -1)}#`)).resolves.toBe(false);
    });

    it('rejects the empty password', async () => {
      await expect(verifyPassword(hasher, digest, '')).resolves.toBe(false);
    });
  });

  const malformed = PASSWORD_HASHERS.flatMap((hasher) =>
    MALFORMED[hasher].map(([reason, digest]) => ({ hasher, reason, digest })),
  );

  describe.each(malformed)('$hasher digest with $reason', ({ hasher, digest }) => {
    it('is not well-formed', () => {
      expect(isWellFormedDigest(hasher, digest)).toBe(false);
    });

    it('never verifies, and resolves rather than throwing', async () => {
      await expect(verifyPassword(hasher, digest, 'password')).resolves.toBe(false);
    });
  });

  it('covers every supported hasher with a known answer and a malformed digest', () => {
    const withVectors = new Set(KNOWN_ANSWERS.map((vector) => vector.hasher));
    for (const hasher of PASSWORD_HASHERS) {
      expect(withVectors.has(hasher), hasher).toBe(true);
      expect(MALFORMED[hasher].length, hasher).toBeGreaterThan(0);
    }
  });

  it('treats an empty digest as malformed for every hasher', async () => {
    for (const hasher of PASSWORD_HASHERS) {
      expect(isWellFormedDigest(hasher, ''), hasher).toBe(false);
      await expect(verifyPassword(hasher, '', ''), hasher).resolves.toBe(false);
    }
  });

  // Only fixed-length formats: a PBKDF2 or scrypt key cut short is the same KDF's output at that
  // shorter length, so such a prefix is a genuine digest and rightly verifies.
  it('never verifies a truncated fixed-length digest', async () => {
    const fixedLength = KNOWN_ANSWERS.filter(({ hasher }) => ['bcrypt', 'md5', 'sha256', 'phpass'].includes(hasher));
    for (const { hasher, password, digest } of fixedLength) {
      for (let end = 0; end < digest.length; end++) {
        await expect(verifyPassword(hasher, digest.slice(0, end), password), `${hasher} @${end}`).resolves.toBe(false);
      }
    }
  });

  it('resolves to a boolean for arbitrary digests and passwords under every hasher', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PASSWORD_HASHERS), fc.string(), fc.string(), async (hasher, digest, password) => {
        const result = await verifyPassword(hasher, digest, password);
        expect(typeof result).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses hasher names it does not support, including inherited object keys', async () => {
    for (const name of ['sha512_symfony', 'ldap_ssha', 'constructor', '__proto__', 'toString', 'BCRYPT']) {
      expect(isPasswordHasher(name), name).toBe(false);
      expect(isWellFormedDigest(name as PasswordHasher, '5f4dcc3b5aa765d61d8327deb882cf99'), name).toBe(false);
      await expect(verifyPassword(name as PasswordHasher, '5f4dcc3b5aa765d61d8327deb882cf99', 'password')).resolves.toBe(false);
    }
    for (const name of PASSWORD_HASHERS) expect(isPasswordHasher(name)).toBe(true);
  });

  it('refuses to verify passwords longer than 1 KiB instead of hashing them', async () => {
    // hashlib.md5 of 1024 and of 1025 'a's: only the first is within the limit.
    await expect(verifyPassword('md5', 'c9a34cfc85d982698c6ac89f76071abd', 'a'.repeat(1024))).resolves.toBe(true);
    await expect(verifyPassword('md5', 'ae187e1febee2a150b64849c32d566ca', 'a'.repeat(1025))).resolves.toBe(false);
  });
});

describe('argon2id hashing for new passwords', () => {
  it('produces a digest that verifies the same password and rejects another', async () => {
    const digest = await hashPassword('correct horse battery staple');
    await expect(verifyPassword('argon2id', digest, 'correct horse battery staple')).resolves.toBe(true);
    await expect(verifyPassword('argon2id', digest, 'correct horse battery stapler')).resolves.toBe(false);
  });

  it('encodes argon2id v1.3 with 19 MiB, 2 passes and 1 lane', async () => {
    const digest = await hashPassword('pw');
    expect(digest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(isWellFormedDigest('argon2id', digest)).toBe(true);
  });

  it('salts every hash, so the same password never hashes to the same digest twice', async () => {
    const [first, second] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(first).not.toBe(second);
  });

  it('hashes and verifies non-ASCII passwords by their UTF-8 bytes', async () => {
    const digest = await hashPassword('pässwörd ✓ 密码');
    await expect(verifyPassword('argon2id', digest, 'pässwörd ✓ 密码')).resolves.toBe(true);
    await expect(verifyPassword('argon2id', digest, 'passwörd ✓ 密码')).resolves.toBe(false);
  });

  it('asks for a rehash of a digest made with m=4096 and t=1', () => {
    expect(
      needsRehash('$argon2id$v=19$m=4096,t=1,p=1$h7VibFMfvfioZVGL1rSF2g$tCQaLEOUQtd/wOAWJf91lU5YnWHZeQLWqnEcMqhOsAY'),
    ).toBe(true);
  });

  it('does not ask for a rehash of a digest it has just made', async () => {
    expect(needsRehash(await hashPassword('fresh'))).toBe(false);
  });

  it('asks for a rehash of argon2i digests and of strings it cannot parse', () => {
    expect(
      needsRehash('$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA'),
    ).toBe(true);
    expect(needsRehash('$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i')).toBe(true);
    expect(needsRehash('')).toBe(true);
  });

  it('leaves alone a digest whose costs exceed the current policy', () => {
    // m=65536,t=3,p=4 with a 16-byte salt and 32-byte tag: stronger on every axis.
    expect(
      needsRehash('$argon2id$v=19$m=65536,t=3,p=4$AAECAwQFBgcICQoLDA0ODw$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'),
    ).toBe(false);
  });
});
