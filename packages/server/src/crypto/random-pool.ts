import { randomFillSync } from 'node:crypto';

/**
 * CSPRNG bytes for identifiers, which are unguessable but not secret (ids, a token's `jti`).
 * A `randomBytes` call costs microseconds however few bytes it returns; taking them from a buffer
 * filled 4 KB at a time makes that cost per 4 KB, as Node does for `randomUUID`. Secrets (keys,
 * tickets, client tokens) keep calling `randomBytes` so they never sit in a shared buffer.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

function reserve(size: number): number {
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += size;
  return at;
}

/** `size` (at most 4096) random bytes, in a buffer of their own. */
export function randomIdentifierBytes(size: number): Uint8Array {
  const at = reserve(size);
  return Uint8Array.prototype.slice.call(pool, at, at + size);
}

export function randomUint32(): number {
  return pool.readUInt32BE(reserve(4));
}
