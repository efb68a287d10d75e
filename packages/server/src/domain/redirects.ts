import { paramError } from '../errors.js';
import type { DomainContext } from './context.js';

/**
 * The one check for where a browser may be sent: an http(s) URL whose exact origin is the public
 * URL's or one of `GATEHOUSE_ALLOWED_ORIGINS`. Relative URLs resolve against `base` when one is
 * given (a hosted page's `redirect_url=/dashboard`) and are refused otherwise. Backslashes,
 * whitespace and control characters are refused outright rather than normalized, since browsers
 * and parsers disagree about them (`/\evil.example` is a host to some); so are userinfo
 * (`https://app.example@evil.example`), other schemes (`javascript:`) and every other origin
 * (`//evil.example`).
 */
export function allowedRedirectUrl(ctx: Pick<DomainContext, 'allowedOrigins'>, raw: unknown, options: { base?: URL } = {}): URL | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return undefined;
  if ([...raw].some(isRefusedCharacter)) return undefined;
  if (!options.base && !/^https?:\/\/[^/]/i.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw, options.base);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return undefined;
  return ctx.allowedOrigins().includes(url.origin) ? url : undefined;
}

function isRefusedCharacter(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return ch === '\\' || /\s/u.test(ch) || code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** An allowed `redirect_url`, or a 422 naming it (a link or a provider would send the browser there). */
export function requireAllowedRedirect(ctx: Pick<DomainContext, 'allowedOrigins'>, raw: string | undefined): URL {
  const target = raw ? allowedRedirectUrl(ctx, raw) : undefined;
  if (!target) throw paramError('form_param_value_invalid', 'redirect_url', 'redirect_url must be an absolute URL on an allowed origin.');
  return target;
}
