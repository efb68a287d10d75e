/**
 * Where a hosted page may send the browser after sign-in or sign-up: the `redirect_url` it was
 * given, only when that URL's origin is exactly one of the allowed origins (the public URL's and
 * `GATEHOUSE_ALLOWED_ORIGINS`). Relative paths resolve against the public URL.
 *
 * Refused, so the caller falls back to its default: anything that is not a single string, that
 * holds a backslash, whitespace or a control character (browsers and other parsers disagree on
 * those: `/\evil.example` is a host to some), that is not http(s) (`javascript:`, `data:`), that
 * carries userinfo (`https://app.example@evil.example`), and every other origin (`//evil.example`).
 */
export function allowedRedirectUrl(raw: unknown, allowedOrigins: readonly string[], base: URL): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\\\s\u0000-\u001f\u007f-\u009f]/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return allowedOrigins.includes(url.origin) ? url.href : undefined;
}
