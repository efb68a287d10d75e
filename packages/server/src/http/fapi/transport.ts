import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { isLoopbackHost } from '../../config.js';
import { GatehouseError } from '../../errors.js';
import type { DomainContext } from '../../domain/context.js';
import { sendError } from '../errors.js';

/**
 * How clerk-js talks to the Frontend API: it sends only GET and POST, with PATCH, PUT and DELETE
 * as POST `?_method=…`; it calls with credentials from the app's origin, so CORS answers that
 * origin exactly, and a state-changing request from any origin not allowed is refused before it
 * does anything.
 */
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const OVERRIDABLE = new Set<Method>(['PATCH', 'PUT', 'DELETE']);

export class FapiRouter {
  private readonly postTargets = new Map<string, Map<Method, RouteHandlerMethod>>();

  constructor(private readonly app: FastifyInstance) {}

  route(method: Method, url: string, handler: RouteHandlerMethod): void {
    if (method === 'GET') {
      this.app.get(url, handler);
      return;
    }
    if (method !== 'POST') this.app.route({ method, url, handler });
    const targets = this.postTargets.get(url) ?? new Map<Method, RouteHandlerMethod>();
    targets.set(method, handler);
    this.postTargets.set(url, targets);
  }

  /** Registers one POST per path, which runs the handler `_method` names (POST itself without it). */
  finish(): void {
    for (const [url, targets] of this.postTargets) {
      this.app.post(url, async function (request, reply) {
        const method = methodOf(request);
        const handler = targets.get(method);
        if (!handler) return sendError(request, reply, new GatehouseError('resource_not_found'));
        return handler.call(this, request, reply);
      });
    }
  }
}

/** The method a request stands for: POST, or what its `_method` says. */
export function methodOf(request: FastifyRequest): Method {
  const declared = (request.query as Record<string, unknown> | undefined)?.['_method'];
  if (request.method === 'POST' && typeof declared === 'string') {
    const upper = declared.toUpperCase() as Method;
    if (OVERRIDABLE.has(upper)) return upper;
  }
  return request.method as Method;
}

/** Cookies carry `Secure` except on plain http to a loopback address (local development). */
export function cookiesSecure(ctx: DomainContext): boolean {
  return !(ctx.publicUrl.protocol === 'http:' && isLoopbackHost(ctx.publicUrl.hostname));
}

/** CORS with credentials for the allowed origins only, and the cross-site refusal for writes. */
export function registerOriginPolicy(app: FastifyInstance, ctx: DomainContext): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    const allowed = origin !== undefined && ctx.allowedOrigins().includes(origin);
    if (allowed) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
    }
    reply.header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
      if (allowed) {
        reply.header('access-control-allow-methods', 'GET, POST, PATCH, PUT, DELETE');
        const asked = request.headers['access-control-request-headers'];
        if (typeof asked === 'string' && /^[\w\-, ]{0,512}$/.test(asked)) reply.header('access-control-allow-headers', asked);
        reply.header('access-control-max-age', '600');
      }
      return reply.code(204).send();
    }
    // A provider posting its answer (`response_mode=form_post`) is another site by design; that
    // route changes nothing and only turns the post into a navigation.
    const providerPost = request.url.split('?')[0]?.endsWith('/oauth_callback') === true;
    const writes = methodOf(request) !== 'GET' && request.method !== 'HEAD' && !providerPost;
    // A browser always names the origin of a cross-origin write; none means a server or a native
    // app — unless the browser's own fetch metadata says the request came from another site.
    const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
    if (writes && ((origin !== undefined && !allowed) || (origin === undefined && crossSite))) {
      return sendError(request, reply, new GatehouseError('origin_invalid', { meta: { origin: (origin ?? 'cross-site').slice(0, 200) } }));
    }
    return undefined;
  });
}
