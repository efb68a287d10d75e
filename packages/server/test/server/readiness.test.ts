import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

describe('readiness', () => {
  it('turns /readyz to 503 when the store is unreachable while /healthz stays up', async () => {
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    await t.server.store.close();
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('service_unavailable');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
