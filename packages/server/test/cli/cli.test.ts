import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliServer } from '../support/cli.js';
import { createTestStore, type TestStore } from '../support/test-store.js';

// Each test spawns several CLI processes that load the server from source; on a loaded 2-core
// machine one spawn can take seconds, so the bound is per test, not the suite's 30 s.
const SPAWNING = { timeout: 180_000 };

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => store?.dispose());

async function countUsers(url: string, key: string): Promise<number> {
  const response = await fetch(`${url}/v1/users/count`, { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) return -response.status;
  return ((await response.json()) as { total_count: number }).total_count;
}

describe('gatehouse start', SPAWNING, () => {
  it('creates the instance on first start, prints the keys once, and shuts down cleanly on SIGTERM mid-request', async () => {
    const first = await startCliServer({ ...store.env, GATEHOUSE_PUBLIC_URL: 'http://auth.example.test:4000', GATEHOUSE_LOG_LEVEL: 'info' });
    const output = first.output();
    expect(output).toContain(`Publishable key: pk_live_${Buffer.from('auth.example.test:4000$').toString('base64').replace(/=+$/, '')}`);
    const key = /Secret key \(shown once, store it now\): (sk_live_[0-9A-Za-z]+)/.exec(output)?.[1];
    expect(key).toBeDefined();
    expect(await countUsers(first.url, key!)).toBe(0);

    // A create hashes a password (tens of ms): SIGTERM arrives while it is in flight.
    const inFlight = fetch(`${first.url}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email_address: ['inflight@example.com'], password: 'amber rivers fold slowly' }),
    });
    while (!first.output().includes('"method":"POST"')) await new Promise((r) => setTimeout(r, 1));
    first.child.kill('SIGTERM');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(await first.exited).toBe(0);
    const log = first.output();
    expect(log.indexOf('shutting down')).toBeLessThan(log.lastIndexOf('"status":200'));

    const second = await startCliServer(store.env);
    expect(second.output()).not.toContain('Secret key (shown once');
    expect(await countUsers(second.url, key!)).toBe(1);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('gatehouse keys', SPAWNING, () => {
  it('creates, lists and revokes secret keys, and a revoked key stops working', async () => {
    const created = await runCli(['keys', 'create', '--name', 'ci-bot'], store.env);
    expect(created.code).toBe(0);
    const secret = /(sk_live_[0-9A-Za-z]+)/.exec(created.stdout)?.[1];
    const id = /Created (ak_[0-9A-Za-z]+)/.exec(created.stdout)?.[1];
    expect(secret && id).toBeTruthy();

    const listed = await runCli(['keys', 'list'], store.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id!);
    expect(listed.stdout).toContain('ci-bot');
    expect(listed.stdout).toContain(`…${secret!.slice(-4)}`);
    expect(listed.stdout).not.toContain(secret!);

    const server = await startCliServer(store.env);
    try {
      expect(await countUsers(server.url, secret!)).toBeGreaterThanOrEqual(0);
      const revoked = await runCli(['keys', 'revoke', id!], store.env);
      expect(revoked.code).toBe(0);
      expect(await countUsers(server.url, secret!)).toBe(-401);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const again = await runCli(['keys', 'revoke', id!], store.env);
    expect(again.code).toBe(2);
  });
});

describe('gatehouse webhooks', SPAWNING, () => {
  it('manages endpoints on the store, audited as the operator who ran the command', async () => {
    const env = { ...store.env, GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: '1' };
    const created = await runCli(['webhooks', 'create', '--url', 'http://127.0.0.1:9/hook', '--events', 'user.created,user.deleted', '--description', 'CRM sync'], env);
    expect(created.code).toBe(0);
    const id = /^(whe_[0-9A-Za-z]+)/m.exec(created.stdout)?.[1];
    const secret = /(whsec_[0-9A-Za-z+/=]+)/.exec(created.stdout)?.[1];
    expect(id && secret).toBeTruthy();
    expect(created.stdout).toContain('user.created, user.deleted');

    const listed = await runCli(['webhooks', 'list'], env);
    expect(listed.stdout).toContain(id!);
    expect(listed.stdout).toContain('CRM sync');
    expect(listed.stdout).not.toContain(secret!);

    const updated = await runCli(['webhooks', 'update', id!, '--disable', '--events', 'all'], env);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/disabled/);
    expect(updated.stdout).toContain('all Clerk event types');

    const rotated = await runCli(['webhooks', 'rotate-secret', id!], env);
    const newSecret = /(whsec_[0-9A-Za-z+/=]+)/.exec(rotated.stdout)?.[1];
    expect(newSecret).toBeTruthy();
    expect(newSecret).not.toBe(secret);
    expect((await runCli(['webhooks', 'deliveries', id!], env)).stdout).toMatch(/^0 deliveries/);
    expect((await runCli(['webhooks', 'replay', id!, '--since', '2020-01-01T00:00:00Z'], env)).stdout).toMatch(/^Queued \d+ events since 2020-01-01/);

    const key = `sk_test_${'operatorcli'.repeat(3)}`;
    const server = await startCliServer({ ...env, GATEHOUSE_SECRET_KEY: key });
    try {
      const endpoint = (await (await fetch(`${server.url}/v1/webhook_endpoints/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, unknown>;
      expect(endpoint).toMatchObject({ id, enabled: false, events: null, description: 'CRM sync' });
      const audit = (await (await fetch(`${server.url}/v1/audit_events?type=webhook_endpoint.created`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        data: { actor: { type: string; detail: string } }[];
      };
      expect(audit.data[0]?.actor).toMatchObject({ type: 'system', detail: `cli:${os.userInfo().username}` });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }

    expect((await runCli(['webhooks', 'delete', id!], env)).stdout).toContain(`Deleted ${id}`);
    const gone = await runCli(['webhooks', 'show', id!], env);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/not found/i);
    const badUrl = await runCli(['webhooks', 'create', '--url', 'ftp://example.com/x'], env);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/url/);
    const unknownOption = await runCli(['webhooks', 'list', '--colour'], env);
    expect(unknownOption.code).toBe(2);
  });
});

describe('gatehouse mcp', SPAWNING, () => {
  it('refuses to start without a secret key or with a URL that is not http(s)', async () => {
    const noKey = await runCli(['mcp'], {});
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/GATEHOUSE_SECRET_KEY/);
    const badUrl = await runCli(['mcp', '--api-url', 'ftp://example.com'], { GATEHOUSE_SECRET_KEY: 'sk_test_x' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/--api-url/);
    expect(noKey.stdout + badUrl.stdout).toBe('');
  });
});

describe('settings', SPAWNING, () => {
  it('refuses an invalid setting at start with one line naming it', async () => {
    for (const [name, value] of [
      ['PORT', 'eighty'],
      ['DATABASE_URL', 'mysql://localhost/db'],
      ['GATEHOUSE_SECRET_KEY', 'hunter2'],
      ['GATEHOUSE_PUBLIC_URL', 'ftp://x'],
    ] as const) {
      const result = await runCli(['start'], { ...store.env, [name]: value });
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^Invalid setting ${name}: `));
      expect(result.stderr).not.toContain(value === 'hunter2' ? 'hunter2' : '\u0000');
    }
  });
});
