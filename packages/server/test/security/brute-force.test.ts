import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { latestCode } from '../support/inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { Receiver } from '../support/webhook-receiver.js';

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
const receiver = new Receiver();
let receiverPort = 0;

beforeAll(async () => {
  const env = {
    // Limits generous enough that the lockout, not the rate limit, is what answers here.
    GATEHOUSE_RATE_LIMITS: 'sign_in=1000/10,attempt=1000/10',
    GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: String(LIMIT),
    GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: '1',
    ...(process.env.GATEHOUSE_TEST_REDIS_URL ? { REDIS_URL: process.env.GATEHOUSE_TEST_REDIS_URL } : {}),
  };
  first = await startTestServer(env);
  second = await startTestServer(env, { shareStoreWith: first });
  receiverPort = await receiver.listen();
});

afterAll(async () => {
  await second?.close();
  await first?.close();
  await receiver.close();
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

  it('announces the lock, still lets the owner reset the password by email, and that lifts it (announced too)', async () => {
    const endpoint = await first.request('POST', '/v1/webhook_endpoints', { body: { url: `http://127.0.0.1:${receiverPort}/lockout`, events: ['user.locked', 'user.unlocked'] } });
    expect(endpoint.status).toBe(200);
    const email = `locked.${Date.now()}@security.test`;
    const user = await first.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    for (let i = 0; i < LIMIT; i += 1) await new FapiBrowser(first.url).call('POST', '/client/sign_ins', { identifier: email, password: `wrong guess ${i}`, strategy: 'password' });
    expect(await first.clerk.users.getUser(user.id)).toMatchObject({ locked: true });
    const types = () => receiver.delivered('/lockout').map((r) => (JSON.parse(r.body) as { type: string; data: { id?: string; user_id?: string } }));
    await waitFor('user.locked delivered', () => (types().some((e) => e.type === 'user.locked') ? true : undefined));

    const b = new FapiBrowser(second.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    const factor = started.supported_first_factors.find((f) => f.strategy === 'reset_password_email_code')!;
    const since = Date.now();
    expect((await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'reset_password_email_code', email_address_id: factor.email_address_id! })).status).toBe(200);
    const code = await latestCode(second.url, email, since, 'password_reset_code');
    const verified = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'reset_password_email_code', code });
    expect((verified.body.response as SignInJSON).status).toBe('needs_new_password');
    const reset = await b.call('POST', `/client/sign_ins/${started.id}/reset_password`, { password: 'a new passphrase after the lock 7' });
    expect((reset.body.response as SignInJSON).status).toBe('complete');
    expect(await first.clerk.users.getUser(user.id)).toMatchObject({ locked: false });
    await waitFor('user.unlocked delivered', () => (types().some((e) => e.type === 'user.unlocked') ? true : undefined));
    const audit = (await first.request('GET', `/v1/audit_events?user_id=${user.id}&type=user.locked&type=user.unlocked`)).body as { data: { type: string }[] };
    expect(audit.data.map((e) => e.type).sort()).toEqual(['user.locked', 'user.unlocked']);
    expect(b.specFailures).toEqual([]);
  });
});
