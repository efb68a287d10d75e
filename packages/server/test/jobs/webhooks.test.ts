import { verifyWebhook } from '@clerk/backend/webhooks';
import pino from 'pino';
import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLERK_EVENT_TYPES } from '../../src/domain/webhooks/event-types.js';
import type { Store } from '../../src/store/db.js';
import { guardedLookup, isPrivateAddress } from '../../src/domain/webhooks/url-guard.js';
import { WebhookDispatcher } from '../../src/jobs/webhook-dispatcher.js';
import { postWebhook } from '../../src/jobs/webhook-http.js';
import { openSecondStore, startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { Receiver } from '../support/webhook-receiver.js';
import { webhookPayloadErrors } from '../support/webhook-spec.js';
import type { serializeWebhookDelivery, serializeWebhookEndpoint } from '../../src/wire/webhook-endpoint.js';

/** Replies as the routes serialize them: the tests read what goes over the wire. */
type EndpointJSON = ReturnType<typeof serializeWebhookEndpoint>;
type DeliveryJSON = ReturnType<typeof serializeWebhookDelivery>;

const logger = pino({ level: 'silent' });

const FAST_SCHEDULE = [100, 200, 300, 400, 800, 1600];

let t: TestServer;
let receiver: Receiver;
let port: number;
let dispatcher: WebhookDispatcher;

function dispatcherBasics() {
  return { store: t.server.store, logger, webhooks: t.server.ctx.webhooks, instanceId: t.server.instanceId };
}

function startDispatcher(extra: { disableAfterMs?: number; store?: Store; lockMs?: number } = {}): WebhookDispatcher {
  const d = new WebhookDispatcher({ ...dispatcherBasics(), retryScheduleMs: FAST_SCHEDULE, intervalMs: 20, timeoutMs: 1000, lockMs: 1500, ...extra });
  d.start();
  return d;
}

async function createEndpoint(body: Record<string, unknown>): Promise<EndpointJSON> {
  const reply = await t.request('POST', '/v1/webhook_endpoints', { body });
  expect(reply.status, reply.text).toBe(200);
  return reply.body as EndpointJSON;
}

async function deliveries(endpointId: string): Promise<DeliveryJSON[]> {
  const reply = await t.request('GET', `/v1/webhook_endpoints/${endpointId}/deliveries?limit=100`);
  expect(reply.status).toBe(200);
  return (reply.body as { data: DeliveryJSON[] }).data;
}

async function newUser(tag: string): Promise<string> {
  const reply = await t.request('POST', '/v1/users', { body: { email_address: [`${tag}-${Date.now()}@hooks.test`], first_name: tag }, headers: { 'user-agent': 'hooks-test/1.0' } });
  expect(reply.status, reply.text).toBe(200);
  return (reply.body as { id: string }).id;
}

beforeAll(async () => {
  receiver = new Receiver();
  port = await receiver.listen();
  t = await startTestServer({ GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: '1' });
  // The server's own loop runs the production schedule (seconds to hours); swap in milliseconds.
  await t.server.webhooks.stop();
  dispatcher = startDispatcher();
});

afterAll(async () => {
  await dispatcher?.stop();
  await t?.close();
  await receiver?.close();
});

describe('webhook endpoints API', () => {
  it('creates, reads, lists, updates and deletes endpoints; the secret shows only on create', async () => {
    const created = await createEndpoint({ url: `http://127.0.0.1:${port}/crud`, description: 'crud', events: ['user.created'] });
    expect(created).toMatchObject({ object: 'webhook_endpoint', url: `http://127.0.0.1:${port}/crud`, description: 'crud', events: ['user.created'], enabled: true });
    expect(created.id).toMatch(/^whe_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret!.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);

    const got = await t.request('GET', `/v1/webhook_endpoints/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    const list = await t.request('GET', '/v1/webhook_endpoints');
    expect((list.body as { total_count: number }).total_count).toBeGreaterThanOrEqual(1);
    expect(list.text).not.toContain('whsec_');

    const patched = await t.request('PATCH', `/v1/webhook_endpoints/${created.id}`, { body: { enabled: false, events: null } });
    expect(patched.body).toMatchObject({ enabled: false, events: null, description: 'crud' });

    const bad = await t.request('POST', '/v1/webhook_endpoints', { body: { url: 'ftp://example.com/x' } });
    expect(bad.status).toBe(422);
    expect((bad.body as { errors: { code: string; meta: { param_name: string } }[] }).errors[0]).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: 'url' } });

    expect((await t.request('DELETE', `/v1/webhook_endpoints/${created.id}`)).body).toEqual({ object: 'webhook_endpoint', id: created.id, deleted: true });
    expect((await t.request('GET', `/v1/webhook_endpoints/${created.id}`)).status).toBe(404);
  });
});

describe('webhook delivery', () => {
  it('delivers user and organization events, verifiable by svix and by @clerk/backend', async () => {
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/main` });
    const secret = endpoint.secret!;
    const userId = await newUser('main');
    expect((await t.request('PATCH', `/v1/users/${userId}`, { body: { first_name: 'Renamed' } })).status).toBe(200);
    const org = await t.request('POST', '/v1/organizations', { body: { name: 'Hooked Org', created_by: userId } });
    expect(org.status, org.text).toBe(200);
    const orgId = (org.body as { id: string }).id;
    expect((await t.request('PATCH', `/v1/organizations/${orgId}`, { body: { name: 'Hooked Org 2' } })).status).toBe(200);
    expect((await t.request('DELETE', `/v1/organizations/${orgId}`)).status).toBe(200);
    expect((await t.request('DELETE', `/v1/users/${userId}`)).status).toBe(200);

    const expected = [
      'user.created',
      'user.updated',
      'organization.created',
      'organizationMembership.created',
      'organization.updated',
      'organization.deleted',
      'organizationMembership.deleted',
      'user.deleted',
    ];
    const got = await waitFor('every delivery', () => {
      const d = receiver.delivered('/main');
      return d.length >= expected.length ? d : undefined;
    });
    const svix = new Webhook(secret);
    const types: string[] = [];
    for (const r of got) {
      expect(r.headers['svix-id']).toMatch(/^msg_/);
      expect(r.headers['svix-timestamp']).toMatch(/^\d{10}$/);
      expect(r.headers['content-type']).toBe('application/json');
      const viaSvix = svix.verify(r.body, r.headers) as { type: string };
      const request = new Request(`http://127.0.0.1:${port}/main`, { method: 'POST', headers: r.headers, body: r.body });
      const viaClerk = await verifyWebhook(request, { signingSecret: secret });
      expect(viaClerk.type).toBe(viaSvix.type);
      const envelope = JSON.parse(r.body) as Record<string, unknown>;
      expect(Object.keys(envelope).sort()).toEqual(['data', 'event_attributes', 'instance_id', 'object', 'timestamp', 'type']);
      expect(webhookPayloadErrors(envelope as { type: string }), String(envelope.type)).toEqual([]);
      expect(envelope.object).toBe('event');
      expect(envelope.instance_id).toBe(t.server.instanceId);
      expect(typeof envelope.timestamp).toBe('number');
      expect(Math.abs((envelope.timestamp as number) - Date.now())).toBeLessThan(60_000);
      expect(envelope.event_attributes).toMatchObject({ http_request: { client_ip: '127.0.0.1', user_agent: expect.any(String) } });
      types.push(viaSvix.type);
      if (viaSvix.type.startsWith('user.')) expect((envelope.data as { id: string }).id).toBe(userId);
      if (viaSvix.type.startsWith('organization.')) expect((envelope.data as { id: string }).id).toBe(orgId);
      if (viaSvix.type === 'user.created') {
        expect((envelope.event_attributes as { http_request: { user_agent: string } }).http_request.user_agent).toBe('hooks-test/1.0');
      }
    }
    expect(types.sort()).toEqual([...expected].sort());
    // The spec check is not vacuous.
    const created = got.find((r) => (JSON.parse(r.body) as { type: string }).type === 'user.created')!;
    const broken = JSON.parse(created.body) as { type: string; data: Record<string, unknown> };
    delete broken.data.email_addresses;
    expect(webhookPayloadErrors(broken)).not.toEqual([]);
    // A tampered body fails both verifiers.
    const first = got[0]!;
    expect(() => svix.verify(`${first.body} `, first.headers)).toThrow();
    await expect(verifyWebhook(new Request('http://x/', { method: 'POST', headers: first.headers, body: `${first.body} ` }), { signingSecret: secret })).rejects.toThrow();

    // Received is not yet recorded: the server writes each success after the receiver answers.
    const list = await waitFor('every delivery recorded as succeeded', async () => {
      const all = await deliveries(endpoint.id);
      return all.filter((d) => d.status === 'succeeded').length >= expected.length ? all : undefined;
    });
    expect(list.filter((d) => d.status === 'succeeded')).toHaveLength(expected.length);
    expect(list[0]?.attempts[0]).toMatchObject({ status_code: 200, error: null });
    await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });

  it('does not deliver audit-only events unless subscribed, and respects an explicit list', async () => {
    const onlyLocked = await createEndpoint({ url: `http://127.0.0.1:${port}/locked`, events: ['user.locked'] });
    const userId = await newUser('lock');
    expect((await t.request('POST', `/v1/users/${userId}/lock`)).status).toBe(200);
    const got = await waitFor('user.locked', () => (receiver.delivered('/locked').length >= 1 ? receiver.delivered('/locked') : undefined));
    expect(got.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['user.locked']);
    await t.request('DELETE', `/v1/webhook_endpoints/${onlyLocked.id}`);
  });

  it('retries a 500 and delivers once to a de-duplicating receiver', async () => {
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/flaky`, events: ['user.created'] });
    const failedOnce = new Set<string>();
    receiver.answer = (r) => {
      if (r.path !== '/flaky') return 200;
      const id = r.headers['svix-id'] ?? '';
      if (failedOnce.has(id)) return 200;
      failedOnce.add(id);
      return 500;
    };
    await newUser('flaky');
    const [d] = await waitFor('a succeeded delivery', async () => {
      const list = await deliveries(endpoint.id);
      return list.length === 1 && list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(d!.attempts.map((a) => a.status_code)).toEqual([500, 200]);
    expect(d!.attempt_count).toBe(2);
    const hits = receiver.received.filter((r) => r.path === '/flaky');
    expect(hits).toHaveLength(2);
    expect(new Set(hits.map((r) => r.headers['svix-id'])).size).toBe(1);
    expect(receiver.delivered('/flaky')).toHaveLength(1);
    receiver.answer = () => 200;
    await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });

  it('keeps retrying while the receiver is down (connection refused) and delivers once it is up', async () => {
    const late = new Receiver();
    const latePort = await late.listen();
    await late.close(); // the port is now refusing connections
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${latePort}/late`, events: ['user.created'] });
    await newUser('late');
    await waitFor('a refused attempt', async () => (await deliveries(endpoint.id))[0]?.attempts.some((a) => a.error === 'ECONNREFUSED') || undefined);
    const revived = new Receiver();
    await revived.listen(latePort);
    try {
      await waitFor('delivery after recovery', () => (revived.delivered('/late').length === 1 ? true : undefined));
      const [d] = await waitFor('succeeded', async () => {
        const list = await deliveries(endpoint.id);
        return list[0]?.status === 'succeeded' ? list : undefined;
      });
      expect(d!.attempts.at(-1)).toMatchObject({ status_code: 200 });
      expect(d!.attempts.slice(0, -1).every((a) => a.status_code === null && a.error === 'ECONNREFUSED')).toBe(true);
    } finally {
      await revived.close();
      await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    }
  });

  it('signs with both secrets after a rotation', async () => {
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/rotate`, events: ['user.created'] });
    const rotated = await t.request('POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`);
    expect(rotated.status).toBe(200);
    const newSecret = (rotated.body as EndpointJSON).secret!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(endpoint.secret);
    await newUser('rotate');
    const [r] = await waitFor('rotated delivery', () => (receiver.delivered('/rotate').length === 1 ? receiver.delivered('/rotate') : undefined));
    expect(r!.headers['svix-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(r!.body, r!.headers)).not.toThrow();
    expect(() => new Webhook(endpoint.secret!).verify(r!.body, r!.headers)).not.toThrow();
    await expect(verifyWebhook(new Request('http://x/', { method: 'POST', headers: r!.headers, body: r!.body }), { signingSecret: endpoint.secret! })).resolves.toBeTruthy();
    await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });

  it('replays one delivery under the same svix-id, and everything since a time', async () => {
    const since = Date.now();
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/replay`, events: ['user.created'] });
    await newUser('replay');
    const [first] = await waitFor('first delivery', () => (receiver.delivered('/replay').length === 1 ? receiver.delivered('/replay') : undefined));
    const [d] = await deliveries(endpoint.id);
    const replay = await t.request('POST', `/v1/webhook_endpoints/${endpoint.id}/deliveries/${d!.id}/replay`);
    expect(replay.status).toBe(200);
    await waitFor('replayed delivery', () => (receiver.received.filter((r) => r.path === '/replay').length === 2 ? true : undefined));
    const hits = receiver.received.filter((r) => r.path === '/replay');
    expect(hits[1]!.headers['svix-id']).toBe(first!.headers['svix-id']);
    expect(hits[1]!.body).toBe(first!.body);

    const all = await t.request('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, { body: { since } });
    expect(all.status).toBe(200);
    expect((all.body as { queued: number }).queued).toBe(1);
    await waitFor('bulk replay', () => (receiver.received.filter((r) => r.path === '/replay').length === 3 ? true : undefined));
    expect((await t.request('POST', `/v1/webhook_endpoints/${endpoint.id}/deliveries/msg_nope/replay`)).status).toBe(404);
    await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });

  it('keeps a replay queued while an attempt of the same delivery is in flight', async () => {
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/inflight`, events: ['user.created'] });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    receiver.delay = (r) => (r.path === '/inflight' ? gate : 0);
    try {
      await newUser('inflight');
      await waitFor('an attempt in flight', () => receiver.received.some((r) => r.path === '/inflight'));
      const [d] = await deliveries(endpoint.id);
      expect((await t.request('POST', `/v1/webhook_endpoints/${endpoint.id}/deliveries/${d!.id}/replay`)).status).toBe(200);
      release();
      // The attempt that was in flight when the replay came must not mark the replay done.
      await waitFor('the replay sent', () => receiver.received.filter((r) => r.path === '/inflight').length >= 2);
      const hits = receiver.received.filter((r) => r.path === '/inflight');
      expect(new Set(hits.map((h) => h.headers['svix-id']))).toEqual(new Set([d!.id]));
      await waitFor('delivery settled', async () => ((await deliveries(endpoint.id))[0]!.status === 'succeeded' ? true : undefined));
    } finally {
      release();
      receiver.delay = () => 0;
      await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    }
  });

  it('times out a slow receiver (no 2xx in time) and retries', async () => {
    // A claim that outlives the timed-out attempt by far: on a loaded machine the shared
    // dispatcher's short claim could lapse first, and the retry would not be this attempt's.
    await dispatcher.stop();
    dispatcher = startDispatcher({ lockMs: 30_000 });
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/slow`, events: ['user.created'] });
    let calls = 0;
    receiver.delay = (r) => (r.path === '/slow' && calls++ === 0 ? 1500 : 0);
    await newUser('slow');
    const [d] = await waitFor('succeeded after a timeout', async () => {
      const list = await deliveries(endpoint.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(d!.attempts.map((a) => a.error ?? a.status_code)).toEqual(['timeout', 200]);
    expect(new Set(receiver.received.filter((r) => r.path === '/slow').map((r) => r.headers['svix-id'])).size).toBe(1);
    receiver.delay = () => 0;
    await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    await dispatcher.stop();
    dispatcher = startDispatcher();
  });

  it('resumes a delivery cut short by a stopped process once its claim lapses', async () => {
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/interrupt`, events: ['user.created'] });
    let calls = 0;
    receiver.delay = (r) => (r.path === '/interrupt' && calls++ === 0 ? 5000 : 0);
    await newUser('interrupt');
    await waitFor('the first request to arrive', () => (calls > 0 ? true : undefined));
    await dispatcher.stop(); // aborts the post mid-flight; nothing is recorded, the claim stays
    dispatcher = startDispatcher();
    const [d] = await waitFor('delivery resumed', async () => {
      const list = await deliveries(endpoint.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(d!.attempts.map((a) => a.status_code)).toEqual([200]);
    const hits = receiver.received.filter((r) => r.path === '/interrupt');
    expect(hits).toHaveLength(2);
    expect(new Set(hits.map((r) => r.headers['svix-id'])).size).toBe(1);
    receiver.delay = () => 0;
    await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });

  it('delivers each event once per endpoint with two dispatchers on separate connections', async () => {
    const second = await openSecondStore(t);
    const other = startDispatcher({ store: second });
    try {
      const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/pair`, events: ['user.created'] });
      for (let i = 0; i < 15; i++) await newUser(`pair${i}`);
      await waitFor('15 deliveries', () => (receiver.delivered('/pair').length === 15 ? true : undefined));
      await new Promise((r) => setTimeout(r, 200)); // room for a duplicate to show up
      const hits = receiver.received.filter((r) => r.path === '/pair');
      expect(hits).toHaveLength(15);
      expect(new Set(hits.map((r) => r.headers['svix-id'])).size).toBe(15);
      const recorded = await waitFor('15 deliveries recorded', async () => {
        const all = await deliveries(endpoint.id);
        return all.length === 15 && all.every((d) => d.status !== 'pending') ? all : undefined;
      });
      expect(recorded.every((d) => d.attempt_count === 1 && d.status === 'succeeded')).toBe(true);
      await t.request('DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
    } finally {
      await other.stop();
      await second.close();
    }
  });

  it('disables an endpoint that keeps failing, with a reason and an audit event', async () => {
    await dispatcher.stop();
    dispatcher = startDispatcher({ disableAfterMs: 150 });
    receiver.answer = (r) => (r.path === '/broken' ? 503 : 200);
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/broken`, events: ['user.created'] });
    await newUser('broken');
    const disabled = await waitFor('endpoint disabled', async () => {
      const e = (await t.request('GET', `/v1/webhook_endpoints/${endpoint.id}`)).body as EndpointJSON;
      return e.enabled ? undefined : e;
    });
    expect(disabled.disabled_reason).toMatch(/failing continuously/);
    const audit = await t.server.store.db.selectFrom('events').select(['type', 'data']).where('type', '=', 'webhook_endpoint.disabled').execute();
    expect(audit.map((e) => (JSON.parse(e.data) as { id: string }).id)).toContain(endpoint.id);
    receiver.answer = () => 200;
  });
});

describe('SSRF guard', () => {
  it('classifies private, loopback, link-local and mapped addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses private targets at delivery time without the setting (IP literal and DNS name)', async () => {
    const signal = new AbortController().signal;
    const literal = await postWebhook(new URL(`http://127.0.0.1:${port}/ssrf`), {}, '{}', { timeoutMs: 1000, allowPrivate: false, signal });
    expect(literal).toMatchObject({ statusCode: null, error: 'unsafe_target' });
    const named = await postWebhook(new URL(`http://localhost:${port}/ssrf`), {}, '{}', { timeoutMs: 1000, allowPrivate: false, signal });
    expect(named).toMatchObject({ statusCode: null, error: 'unsafe_target' });
    expect(receiver.received.filter((r) => r.path === '/ssrf')).toHaveLength(0);
    const lookupError = await new Promise<Error | null>((resolve) => guardedLookup(false)('localhost', {}, (error) => resolve(error)));
    expect(lookupError?.message).toMatch(/private/);
  });

  it('refuses endpoints on private addresses unless GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1', async () => {
    const strict = await startTestServer();
    try {
      for (const url of [`http://127.0.0.1:${port}/x`, `http://localhost:${port}/x`, 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/x', 'http://[::ffff:127.0.0.1]/x']) {
        const reply = await strict.request('POST', '/v1/webhook_endpoints', { body: { url } });
        expect(reply.status, url).toBe(422);
        expect((reply.body as { errors: { code: string; meta: { param_name: string } }[] }).errors[0]).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: 'url' } });
      }
    } finally {
      await strict.close();
    }
  });
});

describe('every Clerk event type Gatehouse produces', () => {
  it('is delivered, verifies with svix and @clerk/backend, and matches the webhooks spec', async () => {
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${port}/all` });
    const ok = async (method: string, path: string, body?: unknown) => {
      const reply = await t.request(method, path, body === undefined ? {} : { body });
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(200);
      return reply.body as { id: string };
    };
    const owner = await newUser('owner');
    const member = await newUser('member');
    const session = await ok('POST', '/v1/sessions', { user_id: member });
    await ok('POST', `/v1/sessions/${session.id}/revoke`);
    await ok('POST', '/v1/sessions', { user_id: member });
    const org = await ok('POST', '/v1/organizations', { name: 'Every Event Org', created_by: owner });
    await ok('POST', `/v1/organizations/${org.id}/memberships`, { user_id: member, role: 'org:member' });
    await ok('PATCH', `/v1/organizations/${org.id}/memberships/${member}`, { role: 'org:admin' });
    const invitation = await ok('POST', `/v1/organizations/${org.id}/invitations`, { email_address: 'invitee@hooks.test', role: 'org:member' });
    await ok('POST', `/v1/organizations/${org.id}/invitations/${invitation.id}/revoke`, {});
    const permission = await ok('POST', '/v1/organization_permissions', { name: 'Read reports', key: 'org:reports:read' });
    await ok('PATCH', `/v1/organization_permissions/${permission.id}`, { description: 'Read every report' });
    const role = await ok('POST', '/v1/organization_roles', { name: 'Analyst', key: 'org:analyst', permissions: ['org:reports:read'] });
    await ok('PATCH', `/v1/organization_roles/${role.id}`, { description: 'Reads reports' });
    await ok('DELETE', `/v1/organization_roles/${role.id}`);
    await ok('DELETE', `/v1/organization_permissions/${permission.id}`);
    await ok('DELETE', `/v1/users/${member}`);

    const expected = [
      'user.created', 'session.created', 'session.revoked', 'session.removed', 'user.deleted',
      'organization.created', 'organizationMembership.created', 'organizationMembership.updated', 'organizationMembership.deleted',
      'organizationInvitation.created', 'organizationInvitation.revoked',
      'permission.created', 'permission.updated', 'permission.deleted', 'role.created', 'role.updated', 'role.deleted',
    ];
    const got = await waitFor('a delivery of every type', () => {
      const types = new Set(receiver.delivered('/all').map((r) => (JSON.parse(r.body) as { type: string }).type));
      return expected.every((type) => types.has(type)) ? receiver.delivered('/all') : undefined;
    });
    const svix = new Webhook(endpoint.secret!);
    for (const r of got) {
      const envelope = svix.verify(r.body, r.headers) as { type: string; data: Record<string, unknown> };
      const viaClerk = await verifyWebhook(new Request(`http://127.0.0.1:${port}/all`, { method: 'POST', headers: r.headers, body: r.body }), { signingSecret: endpoint.secret! });
      expect(viaClerk.type).toBe(envelope.type);
      expect(webhookPayloadErrors(envelope), envelope.type).toEqual([]);
      if (envelope.type.startsWith('session.')) expect((envelope.data.user as { id: string }).id).toBe(envelope.data.user_id);
    }
    // Only Clerk's types reach an endpoint that names none: no audit-only event slipped through.
    expect(got.every((r) => CLERK_EVENT_TYPES.has((JSON.parse(r.body) as { type: string }).type))).toBe(true);
  });
});

describe('a delivery backlog', () => {
  it('drains back to back rather than a batch per polling interval', async () => {
    await dispatcher.stop();
    // One pass a minute, two deliveries at a time: only finished deliveries can drive the rest.
    const slow = new WebhookDispatcher({ ...dispatcherBasics(), retryScheduleMs: FAST_SCHEDULE, intervalMs: 60_000, timeoutMs: 1000, lockMs: 1500, maxInFlight: 2 });
    try {
      await createEndpoint({ url: `http://127.0.0.1:${port}/backlog`, events: ['user.created'] });
      for (let i = 0; i < 12; i++) await newUser(`backlog${i}`);
      slow.start();
      await slow.tick();
      const got = await waitFor('twelve deliveries', () => (receiver.delivered('/backlog').length >= 12 ? receiver.delivered('/backlog') : undefined), 15_000);
      expect(got).toHaveLength(12);
    } finally {
      await slow.stop();
      dispatcher = startDispatcher();
    }
  });
});
