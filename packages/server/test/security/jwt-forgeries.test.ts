import { createHmac, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createClerkClient, verifyToken } from '@clerk/backend';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { issuerFor } from '../../src/domain/sessions/session-token.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident class: forged session tokens. Every way a token has been forged against JWT verifiers
 * in the wild, tried against the verifiers an app uses with Gatehouse: `@clerk/backend`'s
 * `verifyToken` with the JWKS (networked) and with the PEM key (networkless), and
 * `authenticateRequest`, which Clerk's middleware (`@clerk/express`, `@clerk/nextjs`) runs. A
 * genuine token passes all three, so a refusal means the forgery, not the setup.
 */
let t: TestServer;
let other: TestServer;
let genuine: string;
let pem: string;

beforeAll(async () => {
  [t, other] = await Promise.all([startTestServer(), startTestServer()]);
  const user = await t.clerk.users.createUser({ emailAddress: ['forged.target@security.test'] });
  const session = await t.clerk.sessions.createSession({ userId: user.id } as never);
  genuine = (await t.clerk.sessions.getToken(session.id, undefined, 600)).jwt;
  const jwk = (await t.clerk.jwks.getJwks()).keys?.[0];
  pem = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
});

afterAll(async () => {
  await Promise.all([t?.close(), other?.close()]);
});

const b64 = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs `claims` with Gatehouse's own current key: what only a stolen key could do, to test the checks after the signature. */
async function signedByGatehouse(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const { kid, privateKey } = await t.server.ctx.signingKeys.signingKey();
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, ...header }).sign(privateKey);
}

function signedByStranger(claims: JWTPayload, header: Record<string, unknown>): Promise<string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header }).sign(privateKey);
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Whether each verifier accepts the token as a signed-in session. Each is given the issuer to
 * expect, as README tells apps to: Clerk's SDKs check `iss` only when told which one.
 */
async function verdicts(jwt: string): Promise<{ jwks: boolean; pem: boolean; middleware: boolean }> {
  const accepts = (p: Promise<unknown>) => p.then(() => true, () => false);
  const issuer = issuerFor(t.server.ctx);
  const clerk = createClerkClient({ secretKey: t.secretKey, apiUrl: t.url, publishableKey: publishableKeyFor(new URL(t.url)) });
  const state = await clerk.authenticateRequest(new Request(`${t.url}/dashboard`, { headers: { authorization: `Bearer ${jwt}` } }), { jwtKey: pem, issuer });
  return {
    jwks: await accepts(verifyToken(jwt, { secretKey: t.secretKey, apiUrl: t.url, issuer })),
    pem: await accepts(verifyToken(jwt, { jwtKey: pem, issuer })),
    middleware: state.isSignedIn,
  };
}

const REFUSED = { jwks: false, pem: false, middleware: false };

describe('JWT forgeries', () => {
  it('accepts the genuine token everywhere (the control)', async () => {
    expect(await verdicts(genuine)).toEqual({ jwks: true, pem: true, middleware: true });
  });

  it('alg none: an unsigned token is refused', async () => {
    const [header, payload] = genuine.split('.');
    const none = `${b64({ ...JSON.parse(Buffer.from(header!, 'base64url').toString()), alg: 'none' })}.${payload}.`;
    expect(await verdicts(none)).toEqual(REFUSED);
  });

  it('HS/RS confusion: a token MACed with the public key as an HMAC secret is refused', async () => {
    const { kid } = decodeProtectedHeader(genuine);
    const head = b64({ alg: 'HS256', typ: 'JWT', kid });
    const body = b64(decodeJwt(genuine));
    const mac = createHmac('sha256', pem).update(`${head}.${body}`).digest('base64url');
    expect(await verdicts(`${head}.${body}.${mac}`)).toEqual(REFUSED);
  });

  it('unknown kid: a token signed by a stranger under a kid nobody published is refused', async () => {
    expect(await verdicts(await signedByStranger(decodeJwt(genuine), { kid: 'ins_2unknownkidnobodypublished' }))).toEqual(REFUSED);
  });

  it('kid injection: path, query and embedded-key tricks in the header are refused', async () => {
    const claims = decodeJwt(genuine);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const attackerJwk = publicKey.export({ format: 'jwk' });
    const tricks: Record<string, unknown>[] = [
      { kid: '../../../../../../dev/null' },
      { kid: "' OR '1'='1" },
      { kid: decodeProtectedHeader(genuine).kid, jwk: attackerJwk },
      { kid: 'attacker', jku: 'http://127.0.0.1:9/jwks.json' },
    ];
    for (const header of tricks) {
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header } as { alg: string }).sign(privateKey);
      expect(await verdicts(jwt), JSON.stringify(header)).toEqual(REFUSED);
    }
  });

  it('expired: a token past its exp (beyond the allowed skew) is refused, even with the real key', async () => {
    expect(await verdicts(await signedByGatehouse({ ...decodeJwt(genuine), iat: now() - 3600, nbf: now() - 3600, exp: now() - 600 }))).toEqual(REFUSED);
  });

  it('future nbf: a token not valid yet is refused, even with the real key', async () => {
    expect(await verdicts(await signedByGatehouse({ ...decodeJwt(genuine), iat: now(), nbf: now() + 600, exp: now() + 1200 }))).toEqual(REFUSED);
  });

  it('tampered payload: a genuine signature over another subject is refused', async () => {
    const [header, , signature] = genuine.split('.');
    const claims: JWTPayload = decodeJwt(genuine);
    const tampered = `${header}.${b64({ ...claims, sub: 'user_2someoneelseentirely' })}.${signature}`;
    expect(await verdicts(tampered)).toEqual(REFUSED);
  });

  it("another instance's key: a genuine token of another Gatehouse is refused here", async () => {
    const stranger = await other.clerk.users.createUser({ emailAddress: ['forged.other@security.test'] });
    const session = await other.clerk.sessions.createSession({ userId: stranger.id } as never);
    const { jwt } = await other.clerk.sessions.getToken(session.id, undefined, 600);
    expect(await verdicts(jwt)).toEqual(REFUSED);
  });

  it('wrong iss: a token naming another issuer is refused, even with the real key', async () => {
    const forged = await signedByGatehouse({ ...decodeJwt(genuine), iss: 'https://clerk.evil.example' });
    expect(await verdicts(forged)).toEqual(REFUSED);
  });
});
