import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliServer, type CliServer } from '../support/cli.js';
import { createTestStore, type TestStore } from '../support/test-store.js';
import { waitFor } from '../support/wait-for.js';
import { Receiver } from '../support/webhook-receiver.js';

/**
 * A server killed with SIGKILL while its deliveries are in flight loses nothing: once restarted on
 * the same store, the claims it held lapse and every event reaches the receiver. The claim lock is
 * 30 s, so this test takes about that long.
 */
const SECRET_KEY = `sk_test_${'crashrecovery'.repeat(3)}`;

let store: TestStore | undefined;
let server: CliServer | undefined;
const receiver = new Receiver();
let port: number;

beforeAll(async () => {
  port = await receiver.listen();
  store = await createTestStore();
});

afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await receiver.close();
  await store?.dispose();
});

async function api<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SECRET_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

describe('webhook delivery across a crash', () => {
  it('resumes every pending delivery after SIGKILL and a restart', { timeout: 90_000 }, async () => {
    const env = { ...store!.env, GATEHOUSE_SECRET_KEY: SECRET_KEY, GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: '1' };
    receiver.hold = true;

    server = await startCliServer(env);
    const endpoint = await api<{ id: string; secret: string }>(server.url, 'POST', '/v1/webhook_endpoints', {
      url: `http://127.0.0.1:${port}/hook`,
      events: ['user.created'],
    });
    const userIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      userIds.push((await api<{ id: string }>(server.url, 'POST', '/v1/users', { email_address: [`crash${i}@webhooks.test`], skip_password_requirement: true })).id);
    }
    // Every delivery is on the wire, unanswered, when the process dies.
    await waitFor('five deliveries in flight', () => (new Set(receiver.received.map((r) => r.headers['svix-id'])).size >= 5 ? true : undefined), 20_000);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBeNull();
    expect(receiver.delivered('/hook')).toHaveLength(0);

    receiver.hold = false;
    server = await startCliServer(env);
    const delivered = await waitFor('every event after the restart', () => (receiver.delivered('/hook').length >= 5 ? receiver.delivered('/hook') : undefined), 60_000);

    const verifier = new Webhook(endpoint.secret);
    const created = delivered.map((r) => verifier.verify(r.body, r.headers) as { type: string; data: { id: string } });
    expect(created.map((e) => e.type)).toEqual(Array(5).fill('user.created'));
    expect(created.map((e) => e.data.id).sort()).toEqual([...userIds].sort());
    // The svix-id of a redelivery is the one the receiver saw before the crash: de-duplication works.
    const before = new Set(receiver.received.filter((r) => r.status === -1).map((r) => r.headers['svix-id']));
    for (const r of delivered) expect(before.has(r.headers['svix-id'])).toBe(true);

    // The receiver has answered; the server records each success a moment later.
    const restarted = server;
    const statuses = async () =>
      (await api<{ data: { status: string }[] }>(restarted.url, 'GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries`)).data.map((d) => d.status);
    await waitFor('every delivery recorded as succeeded', async () => (await statuses()).every((status) => status === 'succeeded'), 10_000);
    expect(await statuses()).toEqual(Array(5).fill('succeeded'));
  });

  it('delivers each event once per endpoint with two server processes on one store', { timeout: 60_000 }, async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const env = { ...store!.env, GATEHOUSE_SECRET_KEY: SECRET_KEY, GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: '1' };
    const first = await startCliServer(env);
    const second = await startCliServer(env);
    try {
      await api(first.url, 'POST', '/v1/webhook_endpoints', { url: `http://127.0.0.1:${port}/two`, events: ['user.created'] });
      for (let i = 0; i < 20; i++) {
        await api((i % 2 === 0 ? first : second).url, 'POST', '/v1/users', { email_address: [`two${i}@webhooks.test`], skip_password_requirement: true });
      }
      await waitFor('twenty deliveries', () => (receiver.delivered('/two').length >= 20 ? true : undefined), 30_000);
      // Let both dispatchers run a few more passes: a second delivery of anything would show now.
      await new Promise((r) => setTimeout(r, 1500));
      const requests = receiver.received.filter((r) => r.path === '/two');
      expect(requests).toHaveLength(20);
      expect(new Set(requests.map((r) => r.headers['svix-id'])).size).toBe(20);
    } finally {
      for (const s of [first, second]) s.child.kill('SIGTERM');
      await Promise.all([first.exited, second.exited]);
    }
  });
});
