/**
 * Strict decoders for the text fields inside digests. Node's own decoders skip characters they do
 * not understand, which would let a damaged digest through import and then never match; these
 * return null instead, so the damage surfaces as a validation error.
 */

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;
const BASE64URL_CHARS = /^[A-Za-z0-9_-]*$/;
const DECIMAL = /^[1-9][0-9]{0,9}$/;

export function decodeHex(text: string): Buffer | null {
  return HEX.test(text) ? Buffer.from(text, 'hex') : null;
}

export interface Base64Options {
  /** Whether trailing `=` may appear (it is then required to make a multiple of four). */
  padding: 'optional' | 'forbidden';
  /** Also accept the `-`/`_` alphabet, for formats whose documentation does not pin one down. */
  urlSafe: boolean;
}

export function decodeBase64(text: string, options: Base64Options): Buffer | null {
  const body = text.replace(/={1,2}$/, '');
  if (body.length !== text.length && (options.padding === 'forbidden' || text.length % 4 !== 0)) return null;
  if (body.length % 4 === 1) return null;

  let standard: string;
  if (BASE64_CHARS.test(body)) standard = body;
  else if (options.urlSafe && BASE64URL_CHARS.test(body)) standard = body.replace(/-/g, '+').replace(/_/g, '/');
  else return null;

  const bytes = Buffer.from(standard, 'base64');
  // Every encoder leaves the unused low bits of the last character at zero; a string that sets them
  // was altered after encoding.
  if (bytes.toString('base64').replace(/=+$/, '') !== standard) return null;
  return bytes;
}

/** A positive decimal integer without sign, leading zeros or exponent, at most `max`. */
export function parseBoundedInt(text: string, min: number, max: number): number | null {
  if (!DECIMAL.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}
