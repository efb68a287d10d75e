import { sign, type KeyObject } from 'node:crypto';
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
 * signs the same bytes natively, on the thread pool. Verifying, and every other JOSE job, stays
 * with jose.
 */
export async function signRs256(header: Rs256Header, payload: object, key: KeyObject): Promise<string> {
  const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  const signature = await signOnThreadPool('sha256', Buffer.from(signingInput, 'utf8'), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}
