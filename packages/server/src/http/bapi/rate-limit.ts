import type { FastifyInstance } from 'fastify';
import { sendTooManyRequests } from '../errors.js';
import type { SharedLimiters } from '../rate-limit-store.js';
import { actorOf } from '../plugins/secret-key-auth.js';

/**
 * The Backend API's limit, per secret key (Clerk's 1,000 requests per 10 s by default): one
 * runaway script or leaked key cannot starve the others. Counted where the Frontend API's limits
 * are, so every server process holds the same count. Runs after the key check, which names the key.
 */
export async function registerBackendRateLimit(app: FastifyInstance, shared: SharedLimiters | undefined): Promise<void> {
  const limiter = shared ? (await shared.open()).get('backend') : undefined;
  if (!limiter) return;
  app.addHook('onRequest', async (request, reply) => {
    try {
      await limiter.consume(`key:${actorOf(request).id}`);
    } catch (refusal) {
      if (refusal instanceof Error) throw refusal;
      return sendTooManyRequests(request, reply, refusal);
    }
    return undefined;
  });
}
