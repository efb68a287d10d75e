import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, connectMcp, ok, type McpTransportKind } from '../support/mcp-client.js';
import { createSecretKey } from '../../src/domain/keys/secret-keys.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const READ_TOOLS = ['getAuditEvents', 'getOrganization', 'getOrganizationInvitationList', 'getOrganizationList', 'getOrganizationMembershipList', 'getSessionList', 'getUser', 'getUserCount', 'getUserList', 'getUserMfa'];

describe.each<McpTransportKind>(['stdio', 'http'])('guardrails over %s', (kind) => {
  let t: TestServer;
  let readOnly: Client;
  let withPrivate: Client;

  beforeAll(async () => {
    // Over HTTP the flags are the server's settings; over stdio, the command's flags.
    t = await startTestServer(kind === 'http' ? { GATEHOUSE_MCP_READ_ONLY: '1' } : {});
    readOnly = await connectMcp(kind, t.url, t.secretKey, ['--read-only']);
  });

  afterAll(async () => {
    await readOnly?.close();
    await withPrivate?.close();
    await t?.close();
  });

  it('--read-only exposes only tools that change nothing, and refuses the rest', async () => {
    const { tools } = await readOnly.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(READ_TOOLS);
    const user = await t.clerk.users.createUser({ emailAddress: [`ro.${kind}@mcp.test`], skipPasswordRequirement: true });
    const refused = await callTool(readOnly, 'deleteUser', { userId: user.id });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/deleteUser/);
    expect((await t.clerk.users.getUser(user.id)).id).toBe(user.id);
    expect((await ok<{ id: string }>(readOnly, 'getUser', { userId: user.id })).id).toBe(user.id);
  });

  it('shows private metadata only when allowed', async () => {
    if (kind === 'http') {
      const other = await startTestServer({ GATEHOUSE_MCP_ALLOW_PRIVATE_METADATA: '1' });
      try {
        withPrivate = await connectMcp('http', other.url, other.secretKey);
        const user = await other.clerk.users.createUser({ emailAddress: ['pm.http@mcp.test'], privateMetadata: { tier: 'secret' }, skipPasswordRequirement: true });
        expect(await ok(withPrivate, 'getUser', { userId: user.id })).toMatchObject({ private_metadata: { tier: 'secret' } });
        await withPrivate.close();
      } finally {
        await other.close();
      }
      return;
    }
    withPrivate = await connectMcp('stdio', t.url, t.secretKey, ['--allow-private-metadata']);
    const user = await t.clerk.users.createUser({ emailAddress: ['pm.stdio@mcp.test'], privateMetadata: { tier: 'secret' }, skipPasswordRequirement: true });
    expect(await ok(withPrivate, 'getUser', { userId: user.id })).toMatchObject({ private_metadata: { tier: 'secret' } });
    const hidden = await ok(readOnly, 'getUserList', { userId: [user.id] });
    expect(JSON.stringify(hidden)).not.toContain('secret');
  });
});

describe('the /mcp endpoint', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
  });

  afterAll(async () => {
    await t?.close();
  });

  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
  const headers = { accept: 'application/json, text/event-stream' };

  it('wants a valid secret key', async () => {
    const none = await fetch(`${t.url}/mcp`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(initialize) });
    expect(none.status).toBe(401);
    const wrong = await t.request('POST', '/mcp', { body: initialize, headers: { ...headers, authorization: 'Bearer sk_live_notakeyweissuedatall000000' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errors: [{ code: 'clerk_key_invalid' }] });
  });

  it('binds a session to the key that opened it', async () => {
    const opened = await t.request('POST', '/mcp', { body: initialize, headers });
    expect(opened.status).toBe(200);
    const sessionId = opened.headers.get('mcp-session-id');
    expect(sessionId).toBeTruthy();

    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const post = (key: string, session: string) =>
      fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', authorization: `Bearer ${key}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify(list),
      });
    const own = await post(t.secretKey, sessionId ?? '');
    expect(own.status).toBe(200);
    expect(((await own.json()) as { result: { tools: unknown[] } }).result.tools.length).toBe(34);
    const other = await createSecretKey({ store: t.server.store, now: Date.now }, 'another automation');
    expect((await post(other.secret, sessionId ?? '')).status).toBe(404);
    expect((await post(t.secretKey, 'not-a-session')).status).toBe(404);

    const noSession = await t.request('POST', '/mcp', { body: { jsonrpc: '2.0', id: 3, method: 'tools/list' }, headers });
    expect(noSession.status).toBe(400);

    const get = await t.request('GET', '/mcp', { headers });
    expect(get.status).toBe(405);
  });
});
