import { createClerkClient } from '@clerk/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretKey, revokeSecretKey } from '../../src/domain/keys/secret-keys.js';
import { sql } from 'kysely';
import { CHANGE_CHANNEL } from '../../src/store/change-feed.js';
import { expectClerkError } from '../support/clerk-errors.js';
import { waitFor } from '../support/wait-for.js';
import { openSecondStore, startTestServer, type TestServer } from '../support/test-server.js';

const CONFIGURED_KEY = 'sk_test_operatorChosenKey0123456789abcdef';
/** Well-formed but never issued: built, so it cannot be mistaken for a leaked key. */
const NEVER_ISSUED_KEY = `sk_live_${'wrong'.repeat(5)}`;

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_SECRET_KEY: CONFIGURED_KEY, GATEHOUSE_BODY_LIMIT_BYTES: '65536' });
});
afterAll(async () => t?.close());

interface Envelope {
  errors: { code: string; message: string; long_message: string; meta: Record<string, unknown> }[];
  clerk_trace_id: string;
}

/** The reply is Clerk's full error envelope: every error with code, message, long_message and meta, and a trace id. */
function expectEnvelope(reply: { status: number; headers: Headers; body: unknown }, status: number, code: string): Envelope {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/json');
  const body = reply.body as Envelope;
  expect(Object.keys(body).sort()).toEqual(['clerk_trace_id', 'errors']);
  expect(typeof body.clerk_trace_id).toBe('string');
  expect(body.clerk_trace_id.length).toBeGreaterThan(0);
  expect(body.errors[0]?.code).toBe(code);
  for (const error of body.errors) {
    expect(Object.keys(error).sort()).toEqual(['code', 'long_message', 'message', 'meta']);
    expect(typeof error.message).toBe('string');
    expect(typeof error.long_message).toBe('string');
    expect(typeof error.meta).toBe('object');
    expect(error.meta).not.toBeNull();
  }
  expect(JSON.stringify(body)).not.toMatch(/node_modules|\n\s+at /);
  return body;
}

async function raw(path: string, init: RequestInit = {}) {
  const response = await fetch(`${t.url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: assertions below will say so
  }
  return { status: response.status, headers: response.headers, body };
}

describe('Backend API authentication', () => {
  it('refuses a request without a key with clerk_key_invalid', async () => {
    expectEnvelope(await raw('/v1/users'), 401, 'clerk_key_invalid');
  });

  it('refuses a wrong key, another scheme, and a key in the query string', async () => {
    expectEnvelope(await raw('/v1/users', { headers: { authorization: `Bearer ${NEVER_ISSUED_KEY}` } }), 401, 'clerk_key_invalid');
    expectEnvelope(await raw('/v1/users', { headers: { authorization: `Basic ${t.secretKey}` } }), 401, 'clerk_key_invalid');
    expectEnvelope(await raw(`/v1/users?secret_key=${t.secretKey}&token=${t.secretKey}`), 401, 'clerk_key_invalid');
  });

  it('surfaces an invalid key to the SDK as a 401 ClerkAPIResponseError', async () => {
    const stranger = createClerkClient({ secretKey: 'sk_live_notakeyweissued0000000000', apiUrl: t.url });
    await expectClerkError(stranger.users.getCount(), 401, 'clerk_key_invalid');
  });

  it('accepts the operator-configured key from GATEHOUSE_SECRET_KEY', async () => {
    const operator = createClerkClient({ secretKey: CONFIGURED_KEY, apiUrl: t.url });
    expect(typeof (await operator.users.getCount())).toBe('number');
  });

  it('stops accepting a key on the very next request after it is revoked', async () => {
    const key = await createSecretKey({ store: t.server.store, now: Date.now }, 'temporary');
    const client = createClerkClient({ secretKey: key.secret, apiUrl: t.url });
    expect(typeof (await client.users.getCount())).toBe('number');
    expect(await revokeSecretKey({ store: t.server.store, now: Date.now }, key.id)).toBe(true);
    await expectClerkError(client.users.getCount(), 401, 'clerk_key_invalid');
  });

  it('refuses a key revoked behind its back by another process', async () => {
    const key = await createSecretKey({ store: t.server.store, now: Date.now }, 'revoked elsewhere');
    const client = createClerkClient({ secretKey: key.secret, apiUrl: t.url });
    expect(typeof (await client.users.getCount())).toBe('number');
    expect(typeof (await client.users.getCount())).toBe('number');
    // Another server's connection: nothing in this process announces the change.
    const other = await openSecondStore(t);
    try {
      await other.db.updateTable('secret_keys').set({ revoked_at: Date.now() }).where('id', '=', key.id).execute();
    } finally {
      await other.close();
    }
    if (t.server.store.dialect === 'sqlite') {
      // The file's data version moved: the very next request reads the store again.
      await expectClerkError(client.users.getCount(), 401, 'clerk_key_invalid');
      return;
    }
    // PostgreSQL's notification arrives a moment after the commit.
    await waitFor('the revocation to be heard', async () => (await t.request('GET', '/v1/users/count', { headers: { authorization: `Bearer ${key.secret}` } })).status === 401, 2000);
    await expectClerkError(client.users.getCount(), 401, 'clerk_key_invalid');
  });

  it('refuses a key revoked with plain SQL in this process on the very next request', async () => {
    const key = await createSecretKey({ store: t.server.store, now: Date.now }, 'revoked by SQL');
    const client = createClerkClient({ secretKey: key.secret, apiUrl: t.url });
    expect(typeof (await client.users.getCount())).toBe('number');
    expect(typeof (await client.users.getCount())).toBe('number');
    await t.server.store.db.updateTable('secret_keys').set({ revoked_at: Date.now() }).where('id', '=', key.id).execute();
    await expectClerkError(client.users.getCount(), 401, 'clerk_key_invalid');
  });

  it('reads keys from the store while it cannot hear of changes, and caches again once it can', async () => {
    const kept = await createSecretKey({ store: t.server.store, now: Date.now }, 'kept');
    const dropped = await createSecretKey({ store: t.server.store, now: Date.now }, 'dropped');
    const keptClient = createClerkClient({ secretKey: kept.secret, apiUrl: t.url });
    const droppedClient = createClerkClient({ secretKey: dropped.secret, apiUrl: t.url });
    expect(typeof (await droppedClient.users.getCount())).toBe('number');
    // SQLite hears every change through the file itself; only PostgreSQL's feed can be cut off.
    if (t.server.store.dialect === 'sqlite') {
      expect(t.server.store.changes.live).toBe(true);
      return;
    }
    await waitFor('the change feed to listen', () => t.server.store.changes.live);
    // Cut this server's change-feed connection (its sessions carry the store's name; the feed's
    // is the one listening): a revocation committed now is announced to no one.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = current_setting('application_name') and query = ${`LISTEN ${CHANGE_CHANNEL}`}`.execute(t.server.store.db);
    await waitFor('the change feed to notice', () => !t.server.store.changes.live);
    const other = await openSecondStore(t);
    try {
      await other.db.updateTable('secret_keys').set({ revoked_at: Date.now() }).where('id', '=', dropped.id).execute();
    } finally {
      await other.close();
    }
    await expectClerkError(droppedClient.users.getCount(), 401, 'clerk_key_invalid');
    expect(typeof (await keptClient.users.getCount())).toBe('number');
    await waitFor('the change feed to listen again', () => t.server.store.changes.live);
    expect(typeof (await keptClient.users.getCount())).toBe('number');
    expect(await revokeSecretKey({ store: t.server.store, now: Date.now }, kept.id)).toBe(true);
    await expectClerkError(keptClient.users.getCount(), 401, 'clerk_key_invalid');
  });

  it('stores secret keys only as hashes', async () => {
    const rows = await t.server.store.db.selectFrom('secret_keys').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(t.secretKey);
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});

describe('Backend API transport', () => {
  it('answers with Content-Type exactly application/json, success and error alike', async () => {
    const ok = await t.request('GET', '/v1/users/count');
    expect(ok.headers.get('content-type')).toBe('application/json');
    expectEnvelope(await t.request('GET', '/v1/users/user_nope'), 404, 'resource_not_found');
  });

  it('answers unknown routes and methods with a 404 envelope', async () => {
    expectEnvelope(await t.request('GET', '/v1/nowhere'), 404, 'resource_not_found');
    expectEnvelope(await raw('/nowhere/at/all'), 404, 'resource_not_found');
    expectEnvelope(await t.request('PUT', '/v1/users'), 404, 'resource_not_found');
  });

  it('checks the key before routing under /v1, so unknown and known paths look alike without one', async () => {
    for (const path of ['/v1/nowhere', '/v1/users/user_x/nowhere', '/v1', '/v1/', '/v1/admin/debug']) {
      expectEnvelope(await raw(path), 401, 'clerk_key_invalid');
      expectEnvelope(await raw(path, { method: 'DELETE' }), 401, 'clerk_key_invalid');
    }
    expectEnvelope(await raw('/v1/users', { method: 'PUT' }), 401, 'clerk_key_invalid');
    expectEnvelope(await raw('/v1/nowhere', { headers: { authorization: `Bearer ${NEVER_ISSUED_KEY}` } }), 401, 'clerk_key_invalid');
  });

  it('rejects a path that is not valid percent-encoding with 400 request_invalid', async () => {
    expectEnvelope(await t.request('GET', '/v1/users/%E0%A4%A'), 400, 'request_invalid');
  });

  it('rejects headers over the size limit with 431 in the envelope', async () => {
    expectEnvelope(await raw('/v1/users', { headers: { 'x-filler': 'a'.repeat(70_000) } }), 431, 'request_header_too_large');
  });

  it('answers an over-long id as not found', async () => {
    expectEnvelope(await t.request('GET', `/v1/users/user_${'x'.repeat(300)}`), 404, 'resource_not_found');
  });

  it('rejects malformed JSON with 400 request_body_invalid', async () => {
    expectEnvelope(await t.request('POST', '/v1/users', { rawBody: '{"email_address": [', headers: { 'content-type': 'application/json' } }), 400, 'request_body_invalid');
  });

  it('rejects an unsupported content type with 415', async () => {
    expectEnvelope(await t.request('POST', '/v1/users', { rawBody: 'email_address=a@b.co', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_content_type');
  });

  it('rejects a body over the limit with 413', async () => {
    const big = JSON.stringify({ first_name: 'x'.repeat(70_000) });
    expectEnvelope(await t.request('POST', '/v1/users', { rawBody: big, headers: { 'content-type': 'application/json' } }), 413, 'request_body_too_large');
  });

  it('treats an empty JSON body as no parameters, as @clerk/backend sends on bodiless calls', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['empty-body@example.com'] });
    const reply = await t.request('POST', `/v1/users/${user.id}/ban`, { rawBody: '', headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(200);
    const deleted = await t.request('DELETE', `/v1/users/${user.id}`, { rawBody: '', headers: { 'content-type': 'application/json' } });
    expect(deleted.body).toEqual({ object: 'user', id: user.id, deleted: true });
  });

  it('names the missing or malformed parameter in meta.param_name', async () => {
    const missing = expectEnvelope(await t.request('POST', '/v1/email_addresses', { body: { email_address: 'x@example.com' } }), 422, 'form_param_missing');
    expect(missing.errors[0]?.meta).toEqual({ param_name: 'user_id' });
    const wrongType = expectEnvelope(await t.request('POST', '/v1/users', { body: { first_name: 42 } }), 422, 'form_param_format_invalid');
    expect(wrongType.errors[0]?.meta).toEqual({ param_name: 'first_name' });
    const badDate = expectEnvelope(await t.request('POST', '/v1/users', { body: { email_address: ['d@example.com'], created_at: 'yesterday' } }), 422, 'form_param_format_invalid');
    expect(badDate.errors[0]?.meta).toEqual({ param_name: 'created_at' });
  });

  it('ignores parameters it does not know, as Clerk does for forward compatibility', async () => {
    const reply = await t.request('POST', '/v1/users', { body: { email_address: ['unknown-param@example.com'], profile_image_url: 'https://x.test/a.png' } });
    expect(reply.status).toBe(200);
  });

  it('carries a trace id in every error and a request id header on every reply', async () => {
    const reply = await t.request('GET', '/v1/users/user_nope');
    const body = reply.body as Envelope;
    expect(body.clerk_trace_id).toBe(reply.headers.get('x-request-id'));
  });
});

describe('operations endpoints', () => {
  it('reports liveness and readiness without authentication', async () => {
    const health = await raw('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await raw('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok' });
  });
});
