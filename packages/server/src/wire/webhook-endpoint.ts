import type { WebhookDelivery } from '../domain/webhooks/deliveries.js';
import type { WebhookEndpoint } from '../domain/webhooks/endpoints.js';

/** `webhook_endpoint` (a Backend API extension); `secret` only when the domain just made it. */
export function serializeWebhookEndpoint(endpoint: WebhookEndpoint) {
  return {
    object: 'webhook_endpoint' as const,
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
    ...(endpoint.secret !== undefined ? { secret: endpoint.secret } : {}),
  };
}

export function serializeWebhookDelivery(delivery: WebhookDelivery) {
  return {
    object: 'webhook_delivery' as const,
    id: delivery.id,
    endpoint_id: delivery.endpointId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    next_attempt_at: delivery.nextAttemptAt,
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError,
    created_at: delivery.createdAt,
    updated_at: delivery.updatedAt,
    attempts: delivery.attempts.map((a) => ({ attempted_at: a.attemptedAt, status_code: a.statusCode, latency_ms: a.latencyMs, error: a.error })),
  };
}

/** The reply to replaying one delivery: it is pending again, under the same svix-id. */
export function serializeQueuedDelivery(deliveryId: string) {
  return { object: 'webhook_delivery' as const, id: deliveryId, status: 'pending' as const };
}

export function serializeReplay(queued: number) {
  return { object: 'webhook_replay' as const, queued };
}
