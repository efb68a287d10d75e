import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/db.js';
import { sendError } from './errors.js';

/** Probes: `/healthz` says the process serves requests, `/readyz` that it can reach its store. */
export function registerOperationRoutes(app: FastifyInstance, deps: { store: Store; isShuttingDown: () => boolean }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    if (deps.isShuttingDown()) return sendError(request, reply, new GatehouseError('service_unavailable'));
    try {
      await deps.store.ping();
      return { status: 'ok' };
    } catch (err) {
      request.log.warn({ err }, 'store unreachable');
      return sendError(request, reply, new GatehouseError('service_unavailable'));
    }
  });
}
