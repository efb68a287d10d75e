import { sign, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const signOnThreadPool = promisify(sign);

export interface Rs256Header {
  alg: 'RS256';
  kid: string;
  typ: 'JWT';
}

function base64urlJson(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * A compact JWS (RFC 7515 §7.1) with RS256: RSASSA-PKCS1-v1_5 over SHA-256 of
 * `base64url(header).base64url(payload)`. jose signs through WebCrypto, whose JavaScript layer
 * costs the event loop time on every session token (bench/README.md has the figure); node:crypto
 * signs the same bytes natively, on the thread pool. Verifying the server's own RS256 tokens is
 * `verifyRs256Jwt` below; every other JOSE job stays with jose.
 */
export async function signRs256(header: Rs256Header, payload: object, key: KeyObject): Promise<string> {
  const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  const signature = await signOnThreadPool('sha256', Buffer.from(signingInput, 'utf8'), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The claims of a JWT this server signed (`signRs256`), or undefined when it is not one that
 * verifies now: a compact JWS whose header says RS256 with a `kid` that `keyFor` knows and no
 * `crit`, whose signature verifies with that key, and whose claims are a JSON object with a
 * numeric `exp` still in the future and an `nbf`, when present, already past (no leeway).
 *
 * Synchronous on purpose: an RSA-2048 public-key check costs a few hundredths of a millisecond,
 * less than handing it to the thread pool (jose's WebCrypto path), where it would also queue
 * behind every signature in flight. Every Frontend API request verifies its client token.
 */
export function verifyRs256Jwt(token: string, keyFor: (kid: string) => KeyObject | undefined, nowSeconds: number): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (!BASE64URL.test(h) || !BASE64URL.test(p) || !BASE64URL.test(s)) return undefined;
  const header = jsonObject(h);
  if (header?.['alg'] !== 'RS256' || typeof header['kid'] !== 'string' || 'crit' in header) return undefined;
  const key = keyFor(header['kid']);
  if (!key || !verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), key, Buffer.from(s, 'base64url'))) return undefined;
  const claims = jsonObject(p);
  if (!claims || typeof claims['exp'] !== 'number' || claims['exp'] <= nowSeconds) return undefined;
  const nbf = claims['nbf'];
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return undefined;
  return claims;
}
