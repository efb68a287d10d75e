import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { listDeliveries, replayDelivery, replaySince } from '../../domain/webhooks/deliveries.js';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, updateEndpoint } from '../../domain/webhooks/endpoints.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { serializeQueuedDelivery, serializeReplay, serializeWebhookDelivery, serializeWebhookEndpoint } from '../../wire/webhook-endpoint.js';
import { normalizeQuery, parseInput, queryInteger, queryString } from '../validation.js';

/**
 * Webhook endpoints: a Backend API extension (Clerk manages these in Svix's dashboard instead).
 * `secret` appears only on create and rotate.
 */
const endpointParams = z.object({ endpoint_id: z.string().min(1).max(128) });
const deliveryParams = endpointParams.extend({ delivery_id: z.string().min(1).max(128) });
const eventTypes = z.array(z.string().min(1).max(128).regex(/^[A-Za-z_.]+$/, 'must be an event type such as user.created')).max(200);
const url = z.string().min(1).max(2048);
const description = z.string().max(1024);

const createBody = z.object({ url, description: description.nullish(), events: eventTypes.nullish(), enabled: z.boolean().optional() });
const updateBody = z.object({ url: url.optional(), description: description.nullish(), events: eventTypes.nullish(), enabled: z.boolean().optional() });
const pageQuery = z.object({ limit: queryInteger(1, 500).optional(), offset: queryInteger(0, 1_000_000_000).optional() });
const deliveriesQuery = pageQuery.extend({ status: queryString.pipe(z.enum(['pending', 'succeeded', 'failed'])).optional() });
const replayBody = z.object({ since: z.number().int().min(0) });

export function registerWebhookEndpointRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.post('/webhook_endpoints', async (request) => {
    const b = parseInput(createBody, request.body);
    return serializeWebhookEndpoint(await createEndpoint(ctx, { url: b.url, description: b.description, events: b.events, enabled: b.enabled }));
  });

  app.get('/webhook_endpoints', async (request) => {
    const q = parseInput(pageQuery, normalizeQuery(request.query));
    const { items, totalCount } = await listEndpoints(ctx, { limit: q.limit ?? 10, offset: q.offset ?? 0 });
    return { data: items.map(serializeWebhookEndpoint), total_count: totalCount };
  });

  app.get('/webhook_endpoints/:endpoint_id', async (request) => {
    const { endpoint_id } = parseInput(endpointParams, request.params);
    return serializeWebhookEndpoint(await getEndpoint(ctx, endpoint_id));
  });

  app.patch('/webhook_endpoints/:endpoint_id', async (request) => {
    const { endpoint_id } = parseInput(endpointParams, request.params);
    const b = parseInput(updateBody, request.body);
    return serializeWebhookEndpoint(await updateEndpoint(ctx, endpoint_id, { url: b.url, description: b.description, events: b.events, enabled: b.enabled }));
  });

  app.delete('/webhook_endpoints/:endpoint_id', async (request) => {
    const { endpoint_id } = parseInput(endpointParams, request.params);
    return serializeDeleted(await deleteEndpoint(ctx, endpoint_id));
  });

  app.post('/webhook_endpoints/:endpoint_id/rotate_secret', async (request) => {
    const { endpoint_id } = parseInput(endpointParams, request.params);
    return serializeWebhookEndpoint(await rotateSecret(ctx, endpoint_id));
  });

  app.get('/webhook_endpoints/:endpoint_id/deliveries', async (request) => {
    const { endpoint_id } = parseInput(endpointParams, request.params);
    const q = parseInput(deliveriesQuery, normalizeQuery(request.query));
    const { items, totalCount } = await listDeliveries(ctx, endpoint_id, { limit: q.limit ?? 10, offset: q.offset ?? 0, status: q.status });
    return { data: items.map(serializeWebhookDelivery), total_count: totalCount };
  });

  app.post('/webhook_endpoints/:endpoint_id/deliveries/:delivery_id/replay', async (request) => {
    const { endpoint_id, delivery_id } = parseInput(deliveryParams, request.params);
    await replayDelivery(ctx, endpoint_id, delivery_id);
    return serializeQueuedDelivery(delivery_id);
  });

  app.post('/webhook_endpoints/:endpoint_id/replay', async (request) => {
    const { endpoint_id } = parseInput(endpointParams, request.params);
    const { since } = parseInput(replayBody, request.body);
    return serializeReplay(await replaySince(ctx, endpoint_id, since));
  });
}
