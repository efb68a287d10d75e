import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createSecretKey } from '../../src/domain/keys/secret-keys.js';
import { rateLimitKey } from '../../src/http/client-address.js';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** The Frontend API's per-IP limits, on as they are by default; the rest of the suite runs with them off. */
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'on' });
});

afterAll(async () => {
  await t?.close();
});

describe('Frontend API rate limits', () => {
  it("refuses the sixth sign-in start within 10 seconds with Clerk's 429 and Retry-After, and starts nothing", async () => {
    const b = new FapiBrowser(t.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await b.call('POST', '/client/sign_ins', {})).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await b.call('POST', '/client/sign_ins', {});
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.code).toBe('too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(b.specFailures).toEqual([]);
  });

  it('allows three attempts per 10 seconds, and reading is never limited', async () => {
    // Its own server, so the sign-in starts of the test above do not count here.
    const own = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'sign_in=100/10' });
    try {
      const email = `limited.${Date.now()}@limits.test`;
      await own.clerk.users.createUser({ emailAddress: [email], password: 'a perfectly good passphrase 3' });
      const b = new FapiBrowser(own.url);
      const signIn = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
      const attempts: number[] = [];
      for (let i = 0; i < 4; i++) attempts.push((await b.call('POST', `/client/sign_ins/${signIn.id}/attempt_first_factor`, { strategy: 'password', password: `wrong ${i}` })).status);
      expect(attempts).toEqual([422, 422, 422, 429]);
      for (let i = 0; i < 10; i++) expect((await b.call('GET', '/environment')).status).toBe(200);
      expect(b.specFailures).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('counts the peer, not what X-Forwarded-For claims, unless the peer is a trusted proxy', async () => {
    const spoofed = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'on' });
    const proxied = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'on', GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' });
    try {
      const starts = async (server: TestServer) => {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await new FapiBrowser(server.url).call('POST', '/client/sign_ins', {}, { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } })).status);
        return statuses;
      };
      // Anyone can write the header: without a trusted proxy it changes nothing.
      expect(await starts(spoofed)).toEqual([200, 200, 200, 200, 200, 429]);
      // Behind the proxy each client is its own.
      expect(await starts(proxied)).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      await Promise.all([spoofed.close(), proxied.close()]);
    }
  });

  /** Six sign-in starts from one address, alternating between two servers on one store. */
  async function alternating(env: Record<string, string>): Promise<number[]> {
    const first = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'on', ...env });
    const second = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'on', ...env }, { shareStoreWith: first });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await new FapiBrowser((i % 2 === 0 ? first : second).url).call('POST', '/client/sign_ins', {})).status);
      return statuses;
    } finally {
      await second.close();
      await first.close();
    }
  }

  it('holds one limit across two server processes on one store', async () => {
    expect(await alternating({})).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('counts in each process alone when told to keep limits in memory', async () => {
    expect(await alternating({ GATEHOUSE_RATE_LIMIT_STORE: 'memory' })).toEqual([200, 200, 200, 200, 200, 200]);
  });

  const redisUrl = process.env.GATEHOUSE_TEST_REDIS_URL;
  it.runIf(redisUrl)('holds one limit across two server processes sharing Redis', async () => {
    expect(await alternating({ REDIS_URL: redisUrl! })).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('keeps limiting, in memory, while Redis cannot be reached — never a 5xx, never unlimited', async () => {
    const down = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'on', REDIS_URL: 'redis://127.0.0.1:9' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await new FapiBrowser(down.url).call('POST', '/client/sign_ins', {})).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await down.close();
    }
  });

  it('limits the Backend API per secret key, in Clerk\'s envelope with Retry-After, one key not eating another\'s allowance', async () => {
    const own = await startTestServer({ GATEHOUSE_RATE_LIMITS: 'backend=5/10' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await own.request('GET', '/v1/users?limit=1')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await own.request('GET', '/v1/users?limit=1');
      expect((refused.body as { errors: { code: string }[] }).errors[0]?.code).toBe('too_many_requests');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another key (as the command line makes one) has its own allowance.
      const other = await createSecretKey(own.server.ctx, 'second');
      const fresh = await fetch(`${own.url}/v1/users?limit=1`, { headers: { authorization: `Bearer ${other.secret}` } });
      expect(fresh.status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('keys an IPv6 client by its /64 and an IPv4-mapped one by its IPv4 address', () => {
    expect(rateLimitKey('2001:db8:1:2:3::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:0db8:0001:0002:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(rateLimitKey('198.51.100.7')).toBe('198.51.100.7');
  });

  it('reads its settings: off, on, or overrides, and refuses anything else', () => {
    const base = { GATEHOUSE_DATA_DIR: '/tmp/unused' };
    expect(loadConfig({ ...base, GATEHOUSE_RATE_LIMITS: 'off' }).rateLimits.enabled).toBe(false);
    expect(loadConfig(base).rateLimits).toMatchObject({ enabled: true, limits: { sign_in: { points: 5, seconds: 10 }, attempt: { points: 3, seconds: 10 }, backend: { points: 1000, seconds: 10 } } });
    expect(loadConfig({ ...base, GATEHOUSE_RATE_LIMITS: 'attempt=10/60' }).rateLimits.limits.attempt).toEqual({ points: 10, seconds: 60 });
    expect(() => loadConfig({ ...base, GATEHOUSE_RATE_LIMITS: 'attempt=lots' })).toThrow(ConfigError);
    expect(loadConfig({ ...base, GATEHOUSE_TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32, 127.0.0.1' }).trustedProxies).toEqual(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1']);
    expect(() => loadConfig({ ...base, GATEHOUSE_TRUSTED_PROXIES: 'proxy.internal' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, GATEHOUSE_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(loadConfig(base).rateLimitStore).toEqual({ kind: 'store' });
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' }).rateLimitStore).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379', GATEHOUSE_RATE_LIMIT_STORE: 'memory' }).rateLimitStore).toEqual({ kind: 'memory' });
    expect(() => loadConfig({ ...base, GATEHOUSE_RATE_LIMIT_STORE: 'redis' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, REDIS_URL: 'http://redis' })).toThrow(ConfigError);
  });
});
