/**
 * `@clerk/express` (the reference was tested with 2.1.70) in a real Express app, pointed at a
 * real Gatehouse by `apiUrl` and a `pk_live_` publishable key, authenticating requests that carry
 * a Gatehouse session token in `Authorization: Bearer` (the header path: no cookies, no
 * handshake). What the app sees is `getAuth(req)`, returned as JSON by one route.
 *
 * The rejection corpus follows security-requirements.md §6.3, restricted to what reaches a
 * Bearer-header verifier. Every forged token is a genuine token with exactly one defect, so a
 * rejection can only be for that defect; the `x-clerk-auth-reason` header the SDK adds to the
 * response says which check refused it, and each test pins that reason.
 *
 * Decisions:
 * - Revoked, then expired: a session token is a stateless JWT, so revoking the session cannot
 *   recall a token already handed out; it stops minting new ones (422) and the old one dies at
 *   `exp`. That is tested in real time: a token minted with the smallest lifetime the API allows
 *   (`expires_in_seconds: 30`), the session revoked, the token still accepted, then accepted no
 *   more once `exp` plus the SDK's 5 s clock skew has passed (~36 s of waiting in that one test).
 *   Nothing is faked: no clock is moved and the SDK's skew is left at its default.
 * - Tokens that need Gatehouse's own key (expired, `nbf` in the future, wrong `iss`, unknown
 *   kid) are signed with the instance's real key through the server's own `signClaims`, with
 *   the clock handed to it moved, so each differs from a real token only in the claim under test.
 * - `iss`: on the header path the SDK does not look at `iss` at all (it compares it with the
 *   publishable key's host only to pick cookies), so a Gatehouse-signed token naming another
 *   issuer is accepted. The test pins that; only a holder of the instance's private key can
 *   produce such a token, so it opens nothing.
 */
import { createHmac, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clerkMiddleware, getAuth } from '@clerk/express';
import express from 'express';
import { decodeJwt, decodeProtectedHeader, exportJWK, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishableKeyFor } from '../../src/crypto/publishable-key.js';
import { signClaims } from '../../src/domain/sessions/session-token.js';
import type { SigningKeys } from '../../src/domain/sessions/signing-keys.js';
import { domainContextFor, signingKeysFor } from '../../src/server.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// The SDK only reports telemetry for development instances; this keeps it quiet regardless.
process.env.CLERK_TELEMETRY_DISABLED = '1';

// ---------------------------------------------------------------------------------------------
// The app

interface AppAuth {
  userId: string | null;
  sessionId: string | null;
  orgId: string | null;
  orgRole: string | null;
  orgSlug: string | null;
  orgPermissions: string[] | null;
  isAuthenticated?: boolean;
  tokenType?: string;
}

interface Probe {
  status: number;
  auth: AppAuth;
  /** Why the SDK signed the request out (`x-clerk-auth-status` / `x-clerk-auth-reason`); absent when signed in. */
  authStatus: string | null;
  reason: string | null;
}

interface App {
  url: string;
  /** GET /whoami with `Authorization: Bearer <token>`. */
  probe(token: string): Promise<Probe>;
  close(): Promise<void>;
}

async function startApp(gatehouse: TestServer): Promise<App> {
  const app = express();
  app.use(clerkMiddleware({ secretKey: gatehouse.secretKey, publishableKey: publishableKeyFor(new URL(gatehouse.url)), apiUrl: gatehouse.url }));
  app.get('/whoami', (req, res) => {
    const auth = getAuth(req);
    const body: AppAuth = {
      userId: auth.userId,
      sessionId: auth.sessionId,
      orgId: auth.orgId ?? null,
      orgRole: auth.orgRole ?? null,
      orgSlug: auth.orgSlug ?? null,
      orgPermissions: auth.orgPermissions ?? null,
      ...('isAuthenticated' in auth ? { isAuthenticated: auth.isAuthenticated } : {}),
      ...('tokenType' in auth ? { tokenType: auth.tokenType } : {}),
    };
    res.json(body);
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async probe(token) {
      const response = await fetch(`${url}/whoami`, { headers: { authorization: `Bearer ${token}` } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET /whoami answered ${response.status}: ${text}`);
      return {
        status: response.status,
        auth: JSON.parse(text) as AppAuth,
        authStatus: response.headers.get('x-clerk-auth-status'),
        reason: response.headers.get('x-clerk-auth-reason'),
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Data: an organization whose members hold a custom role and the default admin role

const CUSTOM_PERMISSIONS = ['org:invoices:manage', 'org:invoices:read'];
/** System permissions given to the custom role too: v2 carries them, v1 leaves them out. */
const BILLING_SYSTEM_PERMISSIONS = ['org:sys_memberships:read', 'org:sys_profile:manage'];
const ADMIN_PERMISSIONS = [
  'org:sys_domains:manage',
  'org:sys_domains:read',
  'org:sys_memberships:manage',
  'org:sys_memberships:read',
  'org:sys_profile:delete',
  'org:sys_profile:manage',
];

interface Member {
  userId: string;
  sessionId: string;
}

interface Seeded {
  orgId: string;
  orgSlug: string;
  /** Holds org:billing. */
  accountant: Member;
  /** Created the organization, so holds org:admin. */
  owner: Member;
  /** The permission keys Gatehouse itself says org:billing grants. */
  billingPermissions: string[];
}

async function expectOk(call: ReturnType<TestServer['request']>): Promise<Record<string, unknown>> {
  const reply = await call;
  if (reply.status !== 200) throw new Error(`expected 200, got ${reply.status}: ${reply.text}`);
  return reply.body as Record<string, unknown>;
}

async function seed(g: TestServer, tag: string): Promise<Seeded> {
  await expectOk(g.request('POST', '/v1/organization_permissions', { body: { name: 'Read invoices', key: 'org:invoices:read', description: 'See invoices.' } }));
  await expectOk(g.request('POST', '/v1/organization_permissions', { body: { name: 'Manage invoices', key: 'org:invoices:manage', description: 'Issue and void invoices.' } }));
  const role = await expectOk(
    g.request('POST', '/v1/organization_roles', {
      body: { name: 'Billing', key: 'org:billing', description: 'Runs the invoices.', permissions: [...CUSTOM_PERMISSIONS, ...BILLING_SYSTEM_PERMISSIONS] },
    }),
  );
  const billingPermissions = (role['permissions'] as { key: string }[]).map((p) => p.key);

  const ownerId = (await g.clerk.users.createUser({ emailAddress: [`owner.${tag}@express.test`] })).id;
  const accountantId = (await g.clerk.users.createUser({ emailAddress: [`accountant.${tag}@express.test`] })).id;
  const orgSlug = `invoice-co-${tag}`;
  const orgId = (await g.clerk.organizations.createOrganization({ name: 'Invoice Co', slug: orgSlug, createdBy: ownerId })).id;
  await g.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: accountantId, role: 'org:billing' });
  const session = async (userId: string): Promise<Member> => ({
    userId,
    sessionId: (await g.clerk.sessions.createSession({ userId, activeOrganizationId: orgId } as never)).id,
  });
  return { orgId, orgSlug, accountant: await session(accountantId), owner: await session(ownerId), billingPermissions };
}

/** `POST /v1/sessions/{id}/tokens`, as a backend would call it. */
async function mint(g: TestServer, sessionId: string, body: Record<string, unknown> = {}): Promise<string> {
  const reply = await expectOk(g.request('POST', `/v1/sessions/${sessionId}/tokens`, { body }));
  expect(reply['object']).toBe('token');
  return reply['jwt'] as string;
}

const sorted = (values: readonly string[] | null): string[] | null => (values ? [...values].sort() : values);

function expectSignedIn(probe: Probe): void {
  expect({ isAuthenticated: probe.auth.isAuthenticated, authStatus: probe.authStatus, reason: probe.reason }).toEqual({
    isAuthenticated: true,
    authStatus: null,
    reason: null,
  });
}

function expectSignedOut(probe: Probe, reason: string): void {
  expect(probe.auth).toMatchObject({ userId: null, sessionId: null, orgId: null, orgRole: null, orgPermissions: null, isAuthenticated: false });
  expect({ authStatus: probe.authStatus, reason: probe.reason }).toEqual({ authStatus: 'signed-out', reason });
}

// ---------------------------------------------------------------------------------------------

let v2: TestServer;
let v2App: App;
let v2Data: Seeded;

beforeAll(async () => {
  v2 = await startTestServer();
  v2App = await startApp(v2);
  v2Data = await seed(v2, 'v2');
});

afterAll(async () => {
  await v2App?.close();
  await v2?.close();
});

describe('@clerk/express accepts Gatehouse session tokens (v2, the default)', () => {
  it('gives the app the user, session, organization, custom role and every permission of that role', async () => {
    const token = await mint(v2, v2Data.accountant.sessionId);
    expect(decodeJwt(token)).toMatchObject({ v: 2, iss: `https://${new URL(v2.url).host}` });
    const probe = await v2App.probe(token);
    expectSignedIn(probe);
    expect(probe.auth).toMatchObject({
      userId: v2Data.accountant.userId,
      sessionId: v2Data.accountant.sessionId,
      orgId: v2Data.orgId,
      orgRole: 'org:billing',
      orgSlug: v2Data.orgSlug,
      isAuthenticated: true,
      tokenType: 'session_token',
    });
    const expected = [...CUSTOM_PERMISSIONS, ...BILLING_SYSTEM_PERMISSIONS].sort();
    expect(sorted(v2Data.billingPermissions)).toEqual(expected);
    expect(sorted(probe.auth.orgPermissions)).toEqual(expected);
    expect(probe.auth.orgPermissions).toHaveLength(expected.length);
  });

  it('gives an org:admin every system permission', async () => {
    const probe = await v2App.probe(await mint(v2, v2Data.owner.sessionId));
    expect(probe.auth).toMatchObject({ userId: v2Data.owner.userId, sessionId: v2Data.owner.sessionId, orgId: v2Data.orgId, orgRole: 'org:admin', orgSlug: v2Data.orgSlug });
    expect(sorted(probe.auth.orgPermissions)).toEqual(ADMIN_PERMISSIONS);
  });
});

describe('@clerk/express accepts Gatehouse session tokens (v1, GATEHOUSE_SESSION_TOKEN_VERSION=1)', () => {
  let v1: TestServer;
  let v1App: App;
  let v1Data: Seeded;

  beforeAll(async () => {
    v1 = await startTestServer({ GATEHOUSE_SESSION_TOKEN_VERSION: '1' });
    v1App = await startApp(v1);
    v1Data = await seed(v1, 'v1');
  });

  afterAll(async () => {
    await v1App?.close();
    await v1?.close();
  });

  it('gives the app the same fields, with system permissions left out as Clerk does in v1', async () => {
    const token = await mint(v1, v1Data.accountant.sessionId);
    const claims = decodeJwt(token);
    expect(claims['v']).toBeUndefined();
    expect(claims).toMatchObject({ org_id: v1Data.orgId, org_role: 'org:billing', org_slug: v1Data.orgSlug });
    const probe = await v1App.probe(token);
    expectSignedIn(probe);
    expect(probe.auth).toMatchObject({
      userId: v1Data.accountant.userId,
      sessionId: v1Data.accountant.sessionId,
      orgId: v1Data.orgId,
      orgRole: 'org:billing',
      orgSlug: v1Data.orgSlug,
      isAuthenticated: true,
    });
    expect(sorted(probe.auth.orgPermissions)).toEqual(CUSTOM_PERMISSIONS);
  });

  it('gives an org:admin the role and no permissions, all of its permissions being system ones', async () => {
    const probe = await v1App.probe(await mint(v1, v1Data.owner.sessionId));
    expect(probe.auth).toMatchObject({ userId: v1Data.owner.userId, orgId: v1Data.orgId, orgRole: 'org:admin', orgSlug: v1Data.orgSlug, orgPermissions: [] });
  });

  it("refuses a v1 instance's token at a v2 instance's app: another instance's key (cross-instance replay)", async () => {
    expectSignedOut(await v2App.probe(await mint(v1, v1Data.accountant.sessionId)), 'jwk-kid-mismatch');
  });
});

// ---------------------------------------------------------------------------------------------
// Forgeries

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('@clerk/express refuses forged and unusable tokens', () => {
  let genuine: string;
  let parts: [string, string, string];
  let kid: string;
  let claims: JWTPayload;
  let keys: SigningKeys;

  /** A token carrying `claims`, signed by the instance's real key as the server signs, with its clock at `now`. */
  async function signedByGatehouse(over: JWTPayload, options: { now?: number; lifetime?: number; skew?: number } = {}): Promise<string> {
    const at = options.now ?? Date.now();
    const ctx = domainContextFor(v2.config, v2.server.store, { now: () => at, signingKeys: keys });
    const { iat: _iat, nbf: _nbf, exp: _exp, ...rest } = claims;
    return (await signClaims(ctx, { ...rest, ...over }, options.lifetime ?? 60, options.skew)).jwt;
  }

  beforeAll(async () => {
    genuine = await mint(v2, v2Data.accountant.sessionId);
    const [h, p, s] = genuine.split('.');
    if (h === undefined || p === undefined || s === undefined) throw new Error('not a JWT');
    parts = [h, p, s];
    kid = decodeProtectedHeader(genuine).kid ?? '';
    claims = decodeJwt(genuine);
    keys = await signingKeysFor(v2.config, v2.server.store);
    // The baseline every forgery departs from is accepted.
    expect((await v2App.probe(genuine)).auth.userId).toBe(v2Data.accountant.userId);
  });

  it('refuses a token signed by another RSA key under our kid (key substitution)', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(attacker.privateKey);
    expectSignedOut(await v2App.probe(forged), 'token-invalid-signature');
  });

  it('refuses alg "none" in every spelling, with an empty and with the original signature (unsecured JWT)', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const signature of ['', parts[2]]) {
        const forged = `${b64({ alg, kid, typ: 'JWT' })}.${parts[1]}.${signature}`;
        expectSignedOut(await v2App.probe(forged), 'token-invalid-algorithm');
      }
    }
  });

  it('refuses HS256 tokens keyed with our public key or a guessable secret (algorithm confusion)', async () => {
    const { keys: jwks } = await v2.clerk.jwks.getJwks();
    const jwk = jwks?.find((k) => k.kid === kid);
    if (!jwk) throw new Error('our kid is not in the JWKS');
    const publicKey = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const secrets: [string, string | Buffer][] = [
      ['PEM', pem],
      ['PEM with leading whitespace', `\n ${pem}`],
      ['DER', publicKey.export({ type: 'spki', format: 'der' })],
      ['JWK JSON', JSON.stringify(jwk)],
      ['empty', ''],
      ['"secret"', 'secret'],
      ['"password"', 'password'],
    ];
    for (const [label, secret] of secrets) {
      const signingInput = `${b64({ alg: 'HS256', kid, typ: 'JWT' })}.${parts[1]}`;
      const forged = `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
      const probe = await v2App.probe(forged);
      expect({ label, userId: probe.auth.userId, reason: probe.reason }).toEqual({ label, userId: null, reason: 'token-invalid-algorithm' });
    }
  });

  it('refuses an ES256 token with an all-zero signature (psychic signature, CVE-2022-21449)', async () => {
    const forged = `${b64({ alg: 'ES256', kid, typ: 'JWT' })}.${parts[1]}.${b64(Buffer.alloc(64))}`;
    expectSignedOut(await v2App.probe(forged), 'token-invalid-algorithm');
  });

  it('refuses a token whose signature was stripped (header.payload.)', async () => {
    expectSignedOut(await v2App.probe(`${parts[0]}.${parts[1]}.`), 'token-invalid-signature');
  });

  it('refuses a token with one byte of its payload changed (claim tampering)', async () => {
    const json = Buffer.from(parts[1], 'base64url').toString('utf8');
    const sub = String(claims.sub);
    const at = json.indexOf(sub) + sub.length - 1;
    const changed = `${json.slice(0, at)}${json[at] === 'A' ? 'B' : 'A'}${json.slice(at + 1)}`;
    expect(changed.length).toBe(json.length);
    expectSignedOut(await v2App.probe(`${parts[0]}.${b64(changed)}.${parts[2]}`), 'token-invalid-signature');
  });

  it("refuses a payload carrying another genuine token's signature (signature transplant)", async () => {
    const other = (await mint(v2, v2Data.owner.sessionId)).split('.')[2] ?? '';
    expectSignedOut(await v2App.probe(`${parts[0]}.${parts[1]}.${other}`), 'token-invalid-signature');
  });

  it('refuses an attacker key embedded in the header as jwk, and never fetches jku or x5u (header key injection)', async () => {
    let attackerHits = 0;
    const attackerServer = http.createServer((_req, res) => {
      attackerHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => attackerServer.listen(0, '127.0.0.1', resolve));
    try {
      const attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/jwks.json`;
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const attackerJwk = await exportJWK(attacker.publicKey);
      const sign = (header: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header }).sign(attacker.privateKey);
      // No kid: the verifier must not fall back to the embedded key.
      expectSignedOut(await v2App.probe(await sign({ jwk: attackerJwk })), 'jwk-kid-mismatch');
      // Our kid plus attacker-controlled key locations: our key is used, so the signature fails.
      expectSignedOut(await v2App.probe(await sign({ kid, jwk: attackerJwk })), 'token-invalid-signature');
      expectSignedOut(await v2App.probe(await sign({ kid, jku: attackerUrl })), 'token-invalid-signature');
      expectSignedOut(await v2App.probe(await sign({ kid, x5u: attackerUrl })), 'token-invalid-signature');
      expect(attackerHits).toBe(0);
    } finally {
      await new Promise<void>((resolve) => attackerServer.close(() => resolve()));
    }
  });

  it('refuses a token signed by our key under a kid the JWKS does not list, including injection-shaped kids (unknown kid)', async () => {
    const { privateKey } = await keys.signingKey();
    for (const strange of ['kid_unknown', '../../dev/null', '/dev/null', "' OR '1'='1", 'k'.repeat(2000)]) {
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: strange, typ: 'JWT' }).sign(privateKey);
      expectSignedOut(await v2App.probe(forged), 'jwk-kid-mismatch');
    }
  });

  it('refuses a Gatehouse-signed token that expired (replay of an old token)', async () => {
    // Signed ten minutes ago with the default 60 s lifetime: nine minutes past exp.
    const expired = await signedByGatehouse({}, { now: Date.now() - 600_000 });
    expect(decodeJwt(expired).exp).toBeLessThan(Date.now() / 1000 - 500);
    expectSignedOut(await v2App.probe(expired), 'session-token-expired-refresh-non-eligible-no-refresh-cookie');
  });

  it('refuses a Gatehouse-signed token whose nbf is in the future (pre-dated token)', async () => {
    // Negative skew puts nbf two minutes after iat (now); exp stays in the future.
    const early = await signedByGatehouse({}, { skew: -120 });
    expect(decodeJwt(early).nbf).toBeGreaterThan(Date.now() / 1000 + 100);
    expectSignedOut(await v2App.probe(early), 'session-token-nbf');
  });

  it('does not check iss on a header token: a Gatehouse-signed token naming another issuer is accepted (documented SDK behaviour)', async () => {
    // @clerk/backend compares iss with the publishable key's host only to choose between
    // cookies; verifyJwt is called without an issuer. Only our private key can sign this.
    const foreign = await signedByGatehouse({ iss: 'https://clerk.elsewhere.example' });
    const probe = await v2App.probe(foreign);
    expectSignedIn(probe);
    expect(probe.auth.userId).toBe(v2Data.accountant.userId);
  });
});

describe('revocation reaches apps when the token expires', () => {
  it(
    "accepts a revoked session's last token only until it expires, and mints no new one (replay after sign-out)",
    async () => {
      const member = await v2.clerk.users.createUser({ emailAddress: ['revoked@express.test'] });
      const sessionId = (await v2.clerk.sessions.createSession({ userId: member.id } as never)).id;
      const token = await mint(v2, sessionId, { expires_in_seconds: 30 });
      const { exp = 0 } = decodeJwt(token);
      expect((await v2App.probe(token)).auth.userId).toBe(member.id);

      expect((await v2.request('POST', `/v1/sessions/${sessionId}/revoke`)).status).toBe(200);
      const refused = await v2.request('POST', `/v1/sessions/${sessionId}/tokens`, { body: {} });
      expect(refused.status).toBe(422);
      expect((refused.body as { errors: { code: string }[] }).errors[0]?.code).toBe('session_not_active');
      // A stateless token outlives the revocation until exp: apps are not called back.
      expect((await v2App.probe(token)).auth.userId).toBe(member.id);

      // The SDK allows 5 s of clock skew past exp.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 + 5_000 + 500 - Date.now())));
      expectSignedOut(await v2App.probe(token), 'session-token-expired-refresh-non-eligible-no-refresh-cookie');
    },
    60_000,
  );
});
