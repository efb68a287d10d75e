import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signRs256 } from '../../src/crypto/jws.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
const header = { alg: 'RS256', kid: 'kid_1', typ: 'JWT' } as const;

describe('signRs256', () => {
  it('makes a compact JWS that jose verifies with the public key, carrying the header and claims as given', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'user_1', sid: 'sess_1', o: { id: 'org_1', per: 'read,manage' }, name: 'Zoë ☃', iat: now, nbf: now - 5, exp: now + 60 };
    const jwt = await signRs256(header, claims, privateKey);
    expect(jwt.split('.')).toHaveLength(3);
    expect(jwt).not.toMatch(/[=+/]/);
    expect(decodeProtectedHeader(jwt)).toEqual(header);
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { algorithms: ['RS256'] });
    expect(protectedHeader).toEqual(header);
    expect(payload).toEqual(claims);
  });

  it('signs deterministically (PKCS#1 v1.5), and no other key verifies it', async () => {
    const a = await signRs256(header, { sub: 'user_1' }, privateKey);
    expect(await signRs256(header, { sub: 'user_1' }, privateKey)).toBe(a);
    await expect(compactVerify(a, other.publicKey)).rejects.toThrow(/signature verification failed/);
  });

  it('any change to the signed bytes breaks the signature', async () => {
    const [h, , s] = (await signRs256(header, { sub: 'user_1' }, privateKey)).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'user_2' })).toString('base64url')}.${s}`;
    await expect(compactVerify(tampered, publicKey)).rejects.toThrow(/signature verification failed/);
  });
});
