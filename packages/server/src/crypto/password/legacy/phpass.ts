/**
 * `phpass` (and `md5_phpass`): the portable hash of the phpass framework used by WordPress and phpBB,
 * `$P$` (or phpBB's `$H$`) + one character for log2(rounds) + 8 salt characters + 22 characters of
 * MD5 output in phpass's own base64 variant.
 */
import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { constantTimeEqual } from '../internal/compare.js';
import { MAX_PHPASS_LOG2_ROUNDS, MIN_PHPASS_LOG2_ROUNDS } from '../internal/limits.js';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 16 MD5 bytes leave 4 unused bits in the last character, so it is one of `./01`. */
const PORTABLE = /^\$[PH]\$([./0-9A-Za-z])([./0-9A-Za-z]{8})[./0-9A-Za-z]{21}[./01]$/;
const SETTING_LENGTH = 12;
/** MD5 can only run on the main thread here; yielding this often keeps each slice to a few ms. */
const ROUNDS_PER_SLICE = 2048;

interface Parsed {
  rounds: number;
  salt: string;
}

function parse(digest: string): Parsed | null {
  const match = PORTABLE.exec(digest);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  const log2Rounds = ALPHABET.indexOf(match[1]);
  if (log2Rounds < MIN_PHPASS_LOG2_ROUNDS || log2Rounds > MAX_PHPASS_LOG2_ROUNDS) return null;
  return { rounds: 2 ** log2Rounds, salt: match[2] };
}

/** phpass's base64: groups of 3 bytes read little-endian, emitted 6 bits at a time from the low end. */
function encode(bytes: Uint8Array): string {
  let text = '';
  for (let offset = 0; offset < bytes.length; offset += 3) {
    const group = bytes.subarray(offset, offset + 3);
    const value = (group[0] ?? 0) | ((group[1] ?? 0) << 8) | ((group[2] ?? 0) << 16);
    for (let index = 0; index <= group.length; index++) text += ALPHABET[(value >> (6 * index)) & 0x3f];
  }
  return text;
}

export function isWellFormed(digest: string): boolean {
  return parse(digest) !== null;
}

export async function verify(digest: string, password: string): Promise<boolean> {
  const parsed = parse(digest);
  if (parsed === null) return false;
  const secret = Buffer.from(password, 'utf8');
  let state = createHash('md5').update(parsed.salt, 'latin1').update(secret).digest();
  for (let round = 1; round <= parsed.rounds; round++) {
    state = createHash('md5').update(state).update(secret).digest();
    if (round % ROUNDS_PER_SLICE === 0) await yieldToEventLoop();
  }
  const computed = digest.slice(0, SETTING_LENGTH) + encode(state);
  return constantTimeEqual(Buffer.from(computed, 'latin1'), Buffer.from(digest, 'latin1'));
}
