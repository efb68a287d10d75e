import type { DomainContext } from './context.js';

/**
 * The one check for where a browser may be sent back to: an absolute http(s) URL whose exact
 * origin is the public URL's or one of `GATEHOUSE_ALLOWED_ORIGINS`. Relative and
 * protocol-relative URLs, userinfo, backslashes and control characters are refused outright
 * rather than normalized, since browsers and parsers disagree about them.
 */
function isControl(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
}

export function allowedRedirectUrl(ctx: Pick<DomainContext, 'allowedOrigins'>, raw: string): URL | undefined {
  if (raw.length > 2048 || raw.includes('\\') || [...raw].some(isControl) || !/^https?:\/\/[^/]/i.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return undefined;
  return ctx.allowedOrigins().includes(url.origin) ? url : undefined;
}
