import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signRs256, verifyRs256Jwt } from '../../src/crypto/jws.js';

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

describe('verifyRs256Jwt', () => {
  const now = 1_700_000_000;
  const keyFor = (kid: string) => (kid === 'kid_1' ? publicKey : undefined);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('returns the claims of a token signRs256 made, verified with the key its kid names', async () => {
    const claims = { id: 'client_1', rotating_token: 'r', iat: now, nbf: now - 5, exp: now + 60 };
    expect(verifyRs256Jwt(await signRs256(header, claims, privateKey), keyFor, now)).toEqual(claims);
  });

  it('refuses a token signed by a key other than the one its kid names', async () => {
    expect(verifyRs256Jwt(await signRs256(header, { exp: now + 60 }, other.privateKey), keyFor, now)).toBeUndefined();
  });

  it('refuses a kid it does not know, and a header without one', async () => {
    expect(verifyRs256Jwt(await signRs256({ ...header, kid: 'kid_2' }, { exp: now + 60 }, privateKey), keyFor, now)).toBeUndefined();
    const [, p, s] = (await signRs256(header, { exp: now + 60 }, privateKey)).split('.');
    expect(verifyRs256Jwt(`${b64({ alg: 'RS256', typ: 'JWT' })}.${p}.${s}`, keyFor, now)).toBeUndefined();
  });

  it('refuses a header naming another algorithm, or none, even with the bytes unchanged elsewhere', async () => {
    const [, p, s] = (await signRs256(header, { exp: now + 60 }, privateKey)).split('.');
    for (const alg of ['none', 'HS256', 'PS256']) expect(verifyRs256Jwt(`${b64({ ...header, alg })}.${p}.${s}`, keyFor, now)).toBeUndefined();
    expect(verifyRs256Jwt(`${b64({ ...header, alg: 'none' })}.${p}.`, keyFor, now)).toBeUndefined();
  });

  it('refuses a header with critical extensions it cannot honour', async () => {
    const jwt = await signRs256({ ...header, crit: ['b64'] } as unknown as typeof header, { exp: now + 60 }, privateKey);
    expect(verifyRs256Jwt(jwt, keyFor, now)).toBeUndefined();
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [h, , s] = (await signRs256(header, { id: 'client_1', exp: now + 60 }, privateKey)).split('.');
    expect(verifyRs256Jwt(`${h}.${b64({ id: 'client_2', exp: now + 60 })}.${s}`, keyFor, now)).toBeUndefined();
  });

  it('refuses an expired token, one not yet valid, and one without a numeric exp', async () => {
    expect(verifyRs256Jwt(await signRs256(header, { exp: now }, privateKey), keyFor, now)).toBeUndefined();
    expect(verifyRs256Jwt(await signRs256(header, { exp: now + 60, nbf: now + 1 }, privateKey), keyFor, now)).toBeUndefined();
    expect(verifyRs256Jwt(await signRs256(header, { exp: String(now + 60) }, privateKey), keyFor, now)).toBeUndefined();
    expect(verifyRs256Jwt(await signRs256(header, { sub: 'user_1' }, privateKey), keyFor, now)).toBeUndefined();
  });

  it('refuses what is not a compact JWS: too few or too many parts, non-base64url characters, claims that are not an object', async () => {
    const jwt = await signRs256(header, { exp: now + 60 }, privateKey);
    const [h, p, s] = jwt.split('.');
    for (const bad of ['', 'a.b', `${jwt}.x`, `${h}.${p}.${s}=`, `${h}.${p}+.${s}`, `${h}..${s}`]) expect(verifyRs256Jwt(bad, keyFor, now)).toBeUndefined();
    expect(verifyRs256Jwt(await signRs256(header, [1, 2] as unknown as object, privateKey), keyFor, now)).toBeUndefined();
  });
});
