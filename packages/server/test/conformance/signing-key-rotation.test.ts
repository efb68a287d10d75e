/**
 * Signing-key rotation as an app sees it through `verifyToken(jwt, { secretKey, apiUrl })` from
 * `@clerk/backend`, which fetches `GET /v1/jwks` once, caches it for 5 minutes, and fetches again
 * early only when a token names a kid it has not seen.
 *
 * Rotations are made from outside the running server, as an operator does: in-process through a
 * second `SigningKeys` on the same store (what `signingKeysFor` returns), and through the CLI in a
 * child process. The server notices within its key cache (`CACHE_TTL_MS`, 10 s, in
 * signing-keys.ts), so the tests poll for the switch (deadline 15 s, for loaded machines) rather than sleep. Each test
 * runs its own server, and the three run concurrently to overlap those waits.
 */
import { verifyToken } from '@clerk/backend';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, it, vi, type MockInstance } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { signingKeysFor, startServer, type RunningServer } from '../../src/server.js';
import { runCli } from '../support/cli.js';
import { createTestStore, type TestStore } from '../support/test-store.js';

/** How long a running server may take to see a rotation made elsewhere: its 10 s key cache, plus slack. */
const SERVER_CACHE_DEADLINE_MS = 15_000;

interface Gatehouse {
  url: string;
  secretKey: string;
  server: RunningServer;
  store: TestStore;
  config: ReturnType<typeof loadConfig>;
  /** `POST /v1/sessions` then `POST /v1/sessions/{id}/tokens`; returns the new session's id. */
  newSession(): Promise<string>;
  mint(sessionId: string, body?: Record<string, unknown>): Promise<string>;
  /** The public JWKS (`/.well-known/jwks.json`, the same keys as `/v1/jwks`), read without touching the SDK's counters. */
  publishedKids(): Promise<string[]>;
  close(): Promise<void>;
}

/** Like startTestServer, but keeps the store's environment so the CLI can open the same store. */
async function startGatehouse(): Promise<Gatehouse> {
  const store = await createTestStore();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: store.dataDir });
  const server = await startServer(config, createLogger('silent'), store.options);
  const secretKey = server.firstSecretKey?.secret;
  if (!secretKey) throw new Error('a fresh store must yield a first secret key');
  const url = server.url;
  const bapi = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  let users = 0;
  return {
    url,
    secretKey,
    server,
    store,
    config,
    async newSession() {
      users += 1;
      const user = await bapi('POST', '/v1/users', { email_address: [`rotation.${users}@keys.test`] });
      return (await bapi('POST', '/v1/sessions', { user_id: user['id'] }))['id'] as string;
    },
    async mint(sessionId, body = {}) {
      return (await bapi('POST', `/v1/sessions/${sessionId}/tokens`, body))['jwt'] as string;
    },
    async publishedKids() {
      const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      return jwks.keys.map((k) => k.kid).sort();
    },
    async close() {
      await server.close();
      await store.dispose();
    },
  };
}

const kidOf = (jwt: string): string => decodeProtectedHeader(jwt).kid ?? '';

/** Polls `probe` until it yields a value, for at most `deadlineMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = SERVER_CACHE_DEADLINE_MS): Promise<{ value: T; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    const waitedMs = Date.now() - started;
    if (value !== undefined) return { value, waitedMs };
    if (waitedMs > deadlineMs) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// @clerk/backend's runtime calls the global fetch when NODE_ENV is "test" (vitest sets it), so a
// spy sees every JWKS fetch the SDK makes. If it ever stopped doing so, the counts below read 0
// and the assertions on them fail rather than pass silently.
let fetchSpy: MockInstance<typeof fetch>;
const jwksFetches = (g: Gatehouse): number =>
  fetchSpy.mock.calls.filter(([input]) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return href === `${g.url}/v1/jwks`;
  }).length;

const servers: Gatehouse[] = [];
async function gatehouse(): Promise<Gatehouse> {
  const g = await startGatehouse();
  servers.push(g);
  return g;
}

beforeAll(() => {
  fetchSpy = vi.spyOn(globalThis, 'fetch');
});

afterAll(async () => {
  fetchSpy?.mockRestore();
  await Promise.all(servers.map((g) => g.close()));
});

describe('signing-key rotation seen by verifyToken from @clerk/backend', () => {
  it.concurrent(
    'keeps verifying tokens signed before a rotation until they expire, and verifies the new kid in the same process after rotate(0)',
    async ({ expect }) => {
      const g = await gatehouse();
      const verify = (jwt: string) => verifyToken(jwt, { secretKey: g.secretKey, apiUrl: g.url });
      const sessionId = await g.newSession();
      // The shortest lifetime the API allows, so its expiry can be watched in real time.
      const before = await g.mint(sessionId, { expires_in_seconds: 30 });
      const oldKid = kidOf(before);
      expect(await g.publishedKids()).toEqual([oldKid]);
      expect((await verify(before)).sid).toBe(sessionId);
      expect(jwksFetches(g)).toBe(1);

      const rotated = await (await signingKeysFor(g.config, g.server.store)).rotate(0);
      expect(rotated.kid).not.toBe(oldKid);

      const { value: after } = await eventually('a token signed with the new key', async () => {
        const jwt = await g.mint(sessionId);
        return kidOf(jwt) === rotated.kid ? jwt : undefined;
      });
      expect(await g.publishedKids()).toEqual([oldKid, rotated.kid].sort());

      // Same process, same JWKS cache: the unknown kid makes the SDK fetch the JWKS once more.
      expect((await verify(after)).sid).toBe(sessionId);
      expect(jwksFetches(g)).toBe(2);
      // The token signed before the rotation still verifies, from the cache.
      expect((await verify(before)).sid).toBe(sessionId);
      expect(jwksFetches(g)).toBe(2);

      // ... until it expires (exp plus the SDK's 5 s clock skew).
      const { exp = 0 } = decodeJwt(before);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 + 5_000 + 500 - Date.now())));
      await expect(verify(before)).rejects.toMatchObject({ reason: 'token-expired' });
      expect((await verify(after)).sid).toBe(sessionId);
      expect(jwksFetches(g)).toBe(2);
    },
    60_000,
  );

  it.concurrent(
    'publishes the next key as soon as it is rotated in with a grace period, while tokens keep the old kid',
    async ({ expect }) => {
      const g = await gatehouse();
      const sessionId = await g.newSession();
      const oldKid = kidOf(await g.mint(sessionId));

      const rotating = await signingKeysFor(g.config, g.server.store);
      const startedAt = Date.now();
      const next = await rotating.rotate(3600);
      expect(next.activatesAt - startedAt).toBeGreaterThanOrEqual(3_600_000);
      expect(next.activatesAt - startedAt).toBeLessThan(3_600_000 + 5_000);
      // The process that rotated publishes it at once; the running server within its key cache.
      expect((await rotating.jwks()).keys.map((k) => k.kid).sort()).toEqual([oldKid, next.kid].sort());
      const { waitedMs } = await eventually('the next key in the served JWKS', async () =>
        (await g.publishedKids()).includes(next.kid) ? true : undefined,
      );
      expect(waitedMs).toBeLessThanOrEqual(SERVER_CACHE_DEADLINE_MS);
      expect(await g.publishedKids()).toEqual([oldKid, next.kid].sort());

      // Signing does not move before the grace period is over.
      const token = await g.mint(sessionId);
      expect(kidOf(token)).toBe(oldKid);
      expect((await verifyToken(token, { secretKey: g.secretKey, apiUrl: g.url })).sid).toBe(sessionId);
    },
    30_000,
  );

  it.concurrent(
    'switches a running server to the key `gatehouse keys rotate-signing --grace 0` publishes',
    async ({ expect }) => {
      const g = await gatehouse();
      const verify = (jwt: string) => verifyToken(jwt, { secretKey: g.secretKey, apiUrl: g.url });
      const sessionId = await g.newSession();
      const before = await g.mint(sessionId);
      const oldKid = kidOf(before);
      expect((await verify(before)).sid).toBe(sessionId);

      const cli = await runCli(['keys', 'rotate-signing', '--grace', '0'], g.store.env);
      expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: '' });
      const newKid = /Published signing key (\S+);/.exec(cli.stdout)?.[1];
      expect(newKid).toBeDefined();
      expect(newKid).not.toBe(oldKid);

      const { value: after } = await eventually('a token signed with the key the CLI published', async () => {
        const jwt = await g.mint(sessionId);
        return kidOf(jwt) === newKid ? jwt : undefined;
      });
      expect(await g.publishedKids()).toEqual([oldKid, newKid].sort());
      expect((await verify(after)).sid).toBe(sessionId);
      expect((await verify(before)).sid).toBe(sessionId);
    },
    45_000,
  );
});
