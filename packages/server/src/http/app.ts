import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { DomainContext } from '../domain/context.js';
import { SYSTEM_ACTOR } from '../domain/events/append-event.js';
import { runWithAuditContext } from '../domain/events/audit-context.js';
import { registerAuditEventRoutes } from './bapi/audit-events.js';
import { registerBackendRateLimit } from './bapi/rate-limit.js';
import { registerIdentificationRoutes } from './bapi/identifications.js';
import { registerInvitationRoutes } from './bapi/invitations.js';
import { registerJwtTemplateRoutes } from './bapi/jwt-templates.js';
import { registerOrganizationInvitationRoutes } from './bapi/organization-invitations.js';
import { registerOrganizationDomainRoutes } from './bapi/organization-domains.js';
import { registerOrganizationMembershipRoutes } from './bapi/organization-memberships.js';
import { registerOrganizationRoleRoutes } from './bapi/organization-roles.js';
import { registerOrganizationRoutes } from './bapi/organizations.js';
import { registerPublicJwksRoute, registerSessionRoutes } from './bapi/sessions.js';
import { registerUserRoutes } from './bapi/users.js';
import { registerOAuthProviderRoutes } from './bapi/oauth-providers.js';
import { registerRestrictionRoutes } from './bapi/restrictions.js';
import { sharedLimiters, type RateLimitStore } from './rate-limit-store.js';
import { registerUserFactorRoutes } from './bapi/user-factors.js';
import { registerWebhookEndpointRoutes } from './bapi/webhook-endpoints.js';
import { registerInstanceSettingsRoutes } from './bapi/instance-settings.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling, registerNotFound } from './errors.js';
import { registerDevInboxRoutes } from './dev-inbox.js';
import { registerJsonBodyParser } from './json-body.js';
import { registerImageRoutes } from './images.js';
import { registerClerkBundleRoutes } from './clerk-bundles.js';
import { registerHostedPageRoutes } from './pages/hosted-pages.js';
import { registerOperationRoutes } from './operations.js';
import { recordMcpToolCalls } from './plugins/mcp-tool-audit.js';
import { requireSecretKey } from './plugins/secret-key-auth.js';
import { registerMcpEndpoint } from './mcp-endpoint.js';
import { registerFrontendApi } from './fapi/frontend-api.js';
import type { McpServerOptions } from '../mcp/mcp-server.js';
import type { RateLimitSettings } from '../config.js';

export interface AppOptions {
  ctx: DomainContext;
  logger: FastifyBaseLogger;
  configuredSecretKey: string | undefined;
  bodyLimitBytes: number;
  rateLimits: RateLimitSettings;
  /** Where the Frontend API's limits are counted. */
  rateLimitStore: RateLimitStore;
  /** Proxies trusted to name the client in `X-Forwarded-For`; none, the peer is the client. */
  trustedProxies: string[];
  /** Serve MCP at `/mcp` with these options; absent, no endpoint. */
  mcp?: McpServerOptions;
}

export interface App {
  fastify: FastifyInstance;
  /** Marks the app as draining: `/readyz` turns 503 so load balancers stop sending traffic. */
  beginShutdown(): void;
}

export function buildApp(options: AppOptions): App {
  let shuttingDown = false;
  const fastify = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // Close idle keep-alive sockets at shutdown so in-flight requests finish and nothing lingers.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    trustProxy: options.trustedProxies.length > 0 ? options.trustedProxies : false,
    // Errors raised before a route runs get Clerk's envelope too, not Fastify's own format.
    frameworkErrors: (error, request, reply) => frameworkErrorHandler(error, request, reply),
    clientErrorHandler,
  });

  // Every request runs in its own audit context; Backend API auth fills in the actor.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const userAgent = request.headers['user-agent'];
    runWithAuditContext({ actor: SYSTEM_ACTOR, ip: request.ip, ...(userAgent ? { userAgent: userAgent.slice(0, 512) } : {}) }, done);
  });

  registerJsonBodyParser(fastify);
  const limiters = options.rateLimits.enabled ? sharedLimiters(options.rateLimits, options.rateLimitStore) : undefined;
  if (limiters) fastify.addHook('onClose', async () => limiters.close());
  registerErrorHandling(fastify);

  // Clerk's SDKs parse a body as JSON only when Content-Type is exactly `application/json`.
  fastify.addHook('onSend', async (request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json');
    reply.header('x-request-id', request.id);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    // A keep-alive socket that goes idle after shutdown began would hold close() open until its
    // timeout; asking the client to close it lets the process exit as soon as the reply is out.
    if (shuttingDown) reply.header('connection', 'close');
    return payload;
  });

  registerOperationRoutes(fastify, { store: options.ctx.store, isShuttingDown: () => shuttingDown });
  registerImageRoutes(fastify, options.ctx);
  registerClerkBundleRoutes(fastify);
  registerHostedPageRoutes(fastify, options.ctx);
  registerPublicJwksRoute(fastify, options.ctx);
  // Only without SMTP and on a local server (or GATEHOUSE_DEV_INBOX=1): it shows sign-in codes.
  registerDevInboxRoutes(fastify, options.ctx);
  void fastify.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 1 } });

  void fastify.register(
    async (bapi) => {
      requireSecretKey(bapi, { ctx: options.ctx, configuredKey: options.configuredSecretKey });
      await registerBackendRateLimit(bapi, limiters);
      // Unknown paths under /v1 pass the key check first, so only a key holder can map the API.
      registerNotFound(bapi);
      recordMcpToolCalls(bapi, options.ctx);
      registerUserRoutes(bapi, options.ctx);
      registerUserFactorRoutes(bapi, options.ctx);
      registerOAuthProviderRoutes(bapi, options.ctx);
      registerRestrictionRoutes(bapi, options.ctx);
      registerIdentificationRoutes(bapi, options.ctx);
      registerOrganizationRoutes(bapi, options.ctx);
      registerOrganizationMembershipRoutes(bapi, options.ctx);
      registerOrganizationDomainRoutes(bapi, options.ctx);
      registerOrganizationRoleRoutes(bapi, options.ctx);
      registerOrganizationInvitationRoutes(bapi, options.ctx);
      registerInvitationRoutes(bapi, options.ctx);
      registerSessionRoutes(bapi, options.ctx);
      registerAuditEventRoutes(bapi, options.ctx);
      registerJwtTemplateRoutes(bapi, options.ctx);
      registerWebhookEndpointRoutes(bapi, options.ctx);
      registerInstanceSettingsRoutes(bapi, options.ctx);
    },
    { prefix: '/v1' },
  );
  void fastify.register(async (fapi) => registerFrontendApi(fapi, options.ctx, limiters), { prefix: '/fapi/v1' });
  if (options.mcp) {
    registerMcpEndpoint(fastify, { ctx: options.ctx, configuredKey: options.configuredSecretKey, options: options.mcp });
  }

  return {
    fastify,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}
