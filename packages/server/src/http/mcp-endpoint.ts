import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { BackendApi, type ApiSend } from '../mcp/backend-api.js';
import { createMcpServer, type McpServerOptions } from '../mcp/mcp-server.js';
import type { KeyContext } from '../domain/keys/secret-keys.js';
import { presentedSecretKey, requireSecretKey } from './plugins/secret-key-auth.js';

/** An idle MCP session is forgotten after this; the client re-initializes on its next call. */
const SESSION_IDLE_MS = 30 * 60 * 1000;
const MAX_SESSIONS = 1000;

interface Origin {
  ip: string;
  userAgent: string | undefined;
}

interface McpSession {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  /** The secret key that opened the session: only it may use the session id. */
  principalId: string;
  lastUsedAt: number;
  /** Where the current HTTP request came from, so the audit log shows the agent host's IP. */
  origin: Origin;
}

/**
 * The tools reach the Backend API through Fastify's in-process inject: the same routes, auth and
 * audit trail as over the network, without a loopback connection.
 */
function injectSender(app: FastifyInstance, session: () => McpSession | undefined, fallback: Origin): ApiSend {
  return async (exchange) => {
    const origin = session()?.origin ?? fallback;
    const response = await app.inject({
      method: exchange.method as 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: exchange.url,
      headers: { ...exchange.headers, ...(origin.userAgent ? { 'user-agent': origin.userAgent } : {}) },
      remoteAddress: origin.ip,
      ...(exchange.body !== undefined ? { payload: exchange.body } : {}),
    });
    return { status: response.statusCode, text: response.body };
  };
}

function rpcError(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

function principalIdOf(request: FastifyRequest): string {
  const p = request.principal;
  return p?.kind === 'secret_key' ? p.keyId : 'configured';
}

/**
 * MCP over Streamable HTTP at `/mcp`, authenticated like the Backend API (Bearer secret key).
 * Sessions are kept in memory (the client's name, for the audit log, is known only from its
 * initialize request); behind several processes, use sticky sessions or the stdio server.
 */
export function registerMcpEndpoint(
  root: FastifyInstance,
  deps: { ctx: KeyContext; configuredKey: string | undefined; options: McpServerOptions },
): void {
  const sessions = new Map<string, McpSession>();

  const forget = (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    void session.server.close().catch(() => undefined);
  };

  const sweep = () => {
    const now = deps.ctx.now();
    for (const [id, s] of sessions) if (now - s.lastUsedAt > SESSION_IDLE_MS) forget(id);
    while (sessions.size >= MAX_SESSIONS) {
      const oldest = [...sessions.entries()].sort((a, b) => a[1].lastUsedAt - b[1].lastUsedAt)[0];
      if (!oldest) break;
      forget(oldest[0]);
    }
  };

  root.addHook('onClose', async () => {
    for (const id of [...sessions.keys()]) forget(id);
  });

  void root.register(async (scope) => {
    requireSecretKey(scope, { ctx: deps.ctx, configuredKey: deps.configuredKey });

    const existing = (request: FastifyRequest): McpSession | undefined => {
      const id = request.headers['mcp-session-id'];
      const session = typeof id === 'string' ? sessions.get(id) : undefined;
      return session && session.principalId === principalIdOf(request) ? session : undefined;
    };

    const handle = async (request: FastifyRequest, reply: FastifyReply, session: McpSession) => {
      session.lastUsedAt = deps.ctx.now();
      session.origin = { ip: request.ip, userAgent: request.headers['user-agent'] };
      reply.hijack();
      await session.transport.handleRequest(request.raw, reply.raw, request.body);
    };

    scope.post('/mcp', async (request, reply) => {
      if (request.headers['mcp-session-id'] !== undefined) {
        const session = existing(request);
        if (!session) return rpcError(reply, 404, 'Unknown or expired MCP session: initialize a new one.');
        return handle(request, reply, session);
      }
      if (!isInitializeRequest(request.body)) return rpcError(reply, 400, 'No MCP session: the first request must be initialize.');
      sweep();
      const secretKey = presentedSecretKey(request) ?? '';
      const origin: Origin = { ip: request.ip, userAgent: request.headers['user-agent'] };
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        // Runs inside handleRequest below, after `session` exists.
        onsessioninitialized: (id) => void sessions.set(id, session),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      const api = new BackendApi(injectSender(root, () => session, origin), secretKey);
      const server = createMcpServer(api, deps.options);
      const session: McpSession = { server, transport, principalId: principalIdOf(request), lastUsedAt: deps.ctx.now(), origin };
      await server.connect(transport);
      return handle(request, reply, session);
    });

    scope.delete('/mcp', async (request, reply) => {
      const session = existing(request);
      if (!session) return rpcError(reply, 404, 'Unknown or expired MCP session.');
      return handle(request, reply, session);
    });

    // No server-initiated stream: every reply comes with its request.
    scope.get('/mcp', async (_request, reply) => reply.code(405).header('allow', 'POST, DELETE').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }));
  });
}
