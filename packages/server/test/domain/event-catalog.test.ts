/**
 * The event catalog and Clerk's webhook contract agree: every Clerk type Gatehouse records is one
 * Clerk's spec describes, and every Gatehouse-only type stays out of the set delivered to
 * endpoints that name no events, so a Clerk app never receives a type it does not know.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/domain/events/catalog.js';
import { CLERK_EVENT_TYPES, endpointWants } from '../../src/domain/webhooks/event-types.js';
import { clerkWebhookTypes } from '../support/webhook-spec.js';

const clerkTypes = EVENT_TYPES.filter((type) => CLERK_EVENT_TYPES.has(type));
const ownTypes = EVENT_TYPES.filter((type) => !CLERK_EVENT_TYPES.has(type));

describe('the event catalog', () => {
  it.each(clerkTypes)('records %s, a type Clerk’s webhooks spec describes', (type) => {
    expect(clerkWebhookTypes()).toContain(type);
  });

  it.each(ownTypes)('delivers %s, a Gatehouse type, only to endpoints that name it', (type) => {
    expect(clerkWebhookTypes()).not.toContain(type);
    expect(endpointWants(null, type)).toBe(false);
    expect(endpointWants([type], type)).toBe(true);
  });
});
