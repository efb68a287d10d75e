import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 time-based codes as authenticator apps make them by default: SHA-1, 6 digits, 30-second
 * steps, 160-bit secrets (RFC 4226's recommendation), shown as base32.
 */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const SECRET_BYTES = 20;
/** The steps either side of now a code may come from, for clocks that drift and people who type slowly. */
const WINDOW = 1;

function totpFor(secret: string, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** Base32 (RFC 4648, any case, spaces and padding ignored) of at least 80 bits, as apps and Clerk's import take it. */
export function normalizeTotpSecret(input: string): string | undefined {
  const cleaned = input.replace(/[\s=]/g, '').toUpperCase();
  if (!/^[A-Z2-7]{16,128}$/.test(cleaned)) return undefined;
  return cleaned;
}

/** The `otpauth://` URI an authenticator app scans as a QR code. */
export function totpUri(secret: string, issuer: string, label: string): string {
  return totpFor(secret, issuer, label).toString();
}

/** The time step a code belongs to. */
export function totpStep(now: number): number {
  return Math.floor(now / 1000 / PERIOD_SECONDS);
}

/**
 * The time step `code` is valid for within ±1 step of `now`, or undefined. Which step matters:
 * a code is good once, so the caller refuses any step not later than the last one used.
 */
export function matchTotpStep(secret: string, code: string, now: number): number | undefined {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totpFor(secret).validate({ token, timestamp: now, window: WINDOW });
  return delta === null ? undefined : totpStep(now) + delta;
}
