import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident class: password brute force spread over a fleet. Two server processes on one store
 * (counting rate limits in Redis when CI provides one, else beside the store) take 50 wrong
 * passwords for one account at once, half each: the lockout, kept in the store, evaluates at most
 * its limit between them, and the account stays locked even for the right password.
 */
const LIMIT = 10;
const PASSWORD = 'the one true passphrase 42';
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  const env = {
    // Limits generous enough that the lockout, not the rate limit, is what answers here.
    GATEHOUSE_RATE_LIMITS: 'sign_in=1000/10,attempt=1000/10',
    GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: String(LIMIT),
    ...(process.env.GATEHOUSE_TEST_REDIS_URL ? { REDIS_URL: process.env.GATEHOUSE_TEST_REDIS_URL } : {}),
  };
  first = await startTestServer(env);
  second = await startTestServer(env, { shareStoreWith: first });
});

afterAll(async () => {
  await second?.close();
  await first?.close();
});

describe('brute force across processes', () => {
  it('locks at exactly the limit when 50 wrong passwords arrive at two servers at once', async () => {
    const email = `brute.${Date.now()}@security.test`;
    const user = await first.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => new FapiBrowser((i % 2 === 0 ? first : second).url).call('POST', '/client/sign_ins', { identifier: email, password: `guess number ${i}`, strategy: 'password' })),
    );
    const codes = replies.map((r) => r.body.errors?.[0]?.code);
    expect(codes.filter((c) => c === 'form_password_incorrect')).toHaveLength(LIMIT - 1);
    expect(codes.filter((c) => c === 'user_locked')).toHaveLength(50 - (LIMIT - 1));
    const right = await new FapiBrowser(second.url).call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
    expect([right.status, right.body.errors?.[0]?.code]).toEqual([403, 'user_locked']);
    expect(await second.clerk.users.getUser(user.id)).toMatchObject({ locked: true });
  });
});
