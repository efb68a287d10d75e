import { createPrivateKey, generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { open, seal } from '../../crypto/secret-box.js';
import type { Executor, Store } from '../../store/db.js';
import { anySigningKeyExists, insertSigningKey, listPublishedSigningKeys, retireSigningKeys } from '../../store/repositories/signing-key-repository.js';

const generateKeyPair = promisify(generateKeyPairCallback);

/**
 * Every token Gatehouse signs lives at most this long, whatever a caller or template asks for; a
 * retired key stays in the JWKS this long after it stops signing, so no token outlives its key.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600;
const JWKS_RETENTION_MARGIN_MS = 5 * 60_000;
/** How stale a process's view of the keys may be: the hot path reads no keys from the store. */
const CACHE_TTL_MS = 10_000;

export interface PublicJwk {
  kid: string;
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  n: string;
  e: string;
}

interface ActiveKey {
  kid: string;
  /** Parsed once per cache load: parsing per token would cost more than the signature. */
  privateKey: KeyObject;
}

export class SigningKeyError extends Error {}

export class SigningKeys {
  private cache: { loadedAt: number; signing: ActiveKey; jwks: PublicJwk[] } | undefined;

  constructor(
    private readonly store: Store,
    private readonly encryptionKey: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the first key on a fresh store, and proves the stored keys open with this encryption key. */
  async ensureSigningKey(): Promise<void> {
    if (!(await anySigningKeyExists(this.store.db))) await this.insertKey(this.now());
    await this.load();
  }

  async signingKey(): Promise<ActiveKey> {
    return (await this.current()).signing;
  }

  async jwks(): Promise<{ keys: PublicJwk[] }> {
    return { keys: (await this.current()).jwks };
  }

  /**
   * Publishes a new key now and makes it the signing key after `graceSeconds`, so verifiers that
   * cache the JWKS learn it before any token carries its kid. The outgoing key stops signing at
   * that moment and leaves the JWKS once its last token has expired.
   */
  async rotate(graceSeconds: number): Promise<{ kid: string; activatesAt: number }> {
    const now = this.now();
    const activatesAt = now + graceSeconds * 1000;
    const kid = await this.store.transaction(async (trx) => {
      await retireSigningKeys(trx, activatesAt, activatesAt + MAX_TOKEN_LIFETIME_SECONDS * 1000 + JWKS_RETENTION_MARGIN_MS);
      return this.insertKey(activatesAt, trx);
    });
    this.cache = undefined;
    return { kid, activatesAt };
  }

  private async current(): Promise<NonNullable<SigningKeys['cache']>> {
    if (this.cache && this.now() - this.cache.loadedAt < CACHE_TTL_MS) return this.cache;
    return this.load();
  }

  private async load(): Promise<NonNullable<SigningKeys['cache']>> {
    const now = this.now();
    const rows = await listPublishedSigningKeys(this.store.db, now);
    const signingRow = rows.find((r) => r.activates_at <= now && (r.retires_at === null || r.retires_at > now)) ?? rows.find((r) => r.activates_at <= now);
    if (!signingRow) throw new SigningKeyError('no signing key is active; run `gatehouse start` once to create one');
    let pem: string;
    try {
      pem = open(signingRow.private_key, this.encryptionKey, signingRow.kid);
    } catch {
      throw new SigningKeyError(
        'the stored signing keys do not open with this encryption key: set GATEHOUSE_ENCRYPTION_KEY to the key the store was created with',
      );
    }
    this.cache = {
      loadedAt: now,
      signing: { kid: signingRow.kid, privateKey: createPrivateKey(pem) },
      jwks: rows.map((r) => JSON.parse(r.public_jwk) as PublicJwk),
    };
    return this.cache;
  }

  private async insertKey(activatesAt: number, db: Executor = this.store.db): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 65537 });
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n ?? '', e: jwk.e ?? '' });
    const publicJwk: PublicJwk = { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: jwk.n ?? '', e: jwk.e ?? '' };
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await insertSigningKey(db, {
      kid,
      algorithm: 'RS256',
      public_jwk: JSON.stringify(publicJwk),
      private_key: seal(pem, this.encryptionKey, kid),
      activates_at: activatesAt,
      retires_at: null,
      expires_at: null,
      created_at: this.now(),
    });
    return kid;
  }
}
