import { encodeBase62 } from './base62.js';
import { randomIdentifierBytes, randomUint32 } from './random-pool.js';

export type IdPrefix = 'user' | 'idn' | 'ins' | 'ak' | 'org' | 'orgmem' | 'orginv' | 'inv' | 'role' | 'perm' | 'img' | 'jtmpl' | 'sess' | 'client' | 'evt' | 'req' | 'whe' | 'msg' | 'sia' | 'sua' | 'ver' | 'ema' | 'orgdmn' | 'orgsugg' | 'orgmemreq' | 'sms' | 'totp' | 'bcode' | 'oaf' | 'eac' | 'alid' | 'blid';

// The KSUID layout Clerk's ids follow: 4 bytes of seconds since this epoch, then 16 bytes of
// payload, as 27 base62 characters. Ids sort by creation time.
const EPOCH_SECONDS = 1_400_000_000;
const PAYLOAD_BITS = 128n;
const PAYLOAD_MAX = (1n << PAYLOAD_BITS) - 1n;
const ID_WIDTH = 27;

let lastSeconds = -1;
let lastPayload = 0n;

function randomPayload(): bigint {
  const view = new DataView(randomIdentifierBytes(16).buffer);
  return (view.getBigUint64(0) << 64n) | view.getBigUint64(8);
}

/**
 * Within one second, each id's payload is the previous one plus a random step (up to 2^32), so ids
 * made by one process keep their creation order — rows created in one request (a user's email
 * addresses, say) list back in the order given — while staying unguessable. Ids are never secrets.
 */
function nextPayload(seconds: number): bigint {
  if (seconds === lastSeconds) {
    const step = 1n + BigInt(randomUint32());
    if (lastPayload + step <= PAYLOAD_MAX) {
      lastPayload += step;
      return lastPayload;
    }
  }
  lastSeconds = seconds;
  // Start in the lower half so a second's worth of steps never overflows.
  lastPayload = randomPayload() >> 1n;
  return lastPayload;
}

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor(nowMs / 1000) - EPOCH_SECONDS);
  const bytes = new Uint8Array(20);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, seconds);
  const payload = nextPayload(seconds);
  view.setBigUint64(4, payload >> 64n);
  view.setBigUint64(12, payload & ((1n << 64n) - 1n));
  return `${prefix}_${encodeBase62(bytes, ID_WIDTH)}`;
}

/** A token's `jti`: 96 random bits as base62. */
export function newTokenId(): string {
  return encodeBase62(randomIdentifierBytes(12), 17);
}
