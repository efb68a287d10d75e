import { newId } from '../../crypto/ids.js';
import { open, seal } from '../../crypto/secret-box.js';
import { newWebhookSecret } from '../../crypto/webhook-signature.js';
import { notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  deleteWebhookEndpointRow,
  findWebhookEndpointRow,
  insertWebhookEndpoint,
  listWebhookEndpointRows,
  startingCursor,
  updateWebhookEndpointRow,
} from '../../store/repositories/webhook-endpoint-repository.js';
import type { DomainContext } from '../context.js';
import type { DeletedObject } from '../deleted-object.js';
import { appendEvent } from '../events/append-event.js';
import { eventData, type EventData, type EventType } from '../events/catalog.js';
import type { WebhookEndpointTable } from '../../store/schema.js';
import type { WebhookSettings } from './settings.js';
import { assertPublicTarget, parseWebhookUrl, UnsafeTargetError } from './url-guard.js';
import type { Page } from '../page.js';

/** Receivers keep verifying with the old secret this long after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** Event types delivered; null for every Clerk event type. */
  events: string[] | null;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
  /** Only right after create and rotate. */
  secret?: string;
}

export function toEndpoint(row: WebhookEndpointTable): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events === null ? null : (JSON.parse(row.events) as string[]),
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A `webhook_endpoint.*` event's payload: the endpoint as the API shows it, never its secret. */
export function endpointEventData<T extends WebhookEndpointEventType>(type: T, row: WebhookEndpointTable): EventData<T> {
  return eventData(type, toEndpoint(row));
}

type WebhookEndpointEventType = Extract<EventType, `webhook_endpoint.${string}`>;

const sealContext = (endpointId: string) => `webhook_endpoint:${endpointId}`;

function sealSecret(ctx: DomainContext, endpointId: string, secret: string): string {
  return seal(secret, ctx.webhooks.encryptionKey, sealContext(endpointId));
}

export function openSecret(settings: WebhookSettings, endpointId: string, sealed: string): string {
  return open(sealed, settings.encryptionKey, sealContext(endpointId));
}

async function validatedUrl(ctx: DomainContext, raw: string): Promise<string> {
  const parsed = parseWebhookUrl(raw);
  if (typeof parsed === 'string') throw paramError('form_param_format_invalid', 'url', `url ${parsed}.`);
  try {
    await assertPublicTarget(parsed, ctx.webhooks.allowPrivate);
  } catch (error) {
    if (error instanceof UnsafeTargetError) {
      throw paramError('form_param_format_invalid', 'url', 'url must not point at a private, loopback or link-local address.');
    }
    throw error;
  }
  return parsed.href;
}

async function loadRow(db: Executor, id: string): Promise<WebhookEndpointTable> {
  const row = await findWebhookEndpointRow(db, id);
  if (!row) throw notFound();
  return row;
}

async function audit(trx: Executor, type: WebhookEndpointEventType, row: WebhookEndpointTable, now: number, before?: WebhookEndpointTable): Promise<void> {
  await appendEvent(trx, { type, data: endpointEventData(type, row), ...(before ? { before: endpointEventData(type, before) } : {}) }, now);
}

export interface EndpointInput {
  url?: string | undefined;
  description?: string | null | undefined;
  events?: string[] | null | undefined;
  enabled?: boolean | undefined;
}

export async function createEndpoint(ctx: DomainContext, input: EndpointInput & { url: string }): Promise<WebhookEndpoint> {
  const url = await validatedUrl(ctx, input.url);
  const now = ctx.now();
  const id = newId('whe', now);
  const secret = newWebhookSecret();
  const row = await ctx.store.transaction(async (trx) => {
    const values: WebhookEndpointTable = {
      id,
      url,
      description: input.description ?? null,
      events: input.events ? JSON.stringify(input.events) : null,
      enabled: input.enabled === false ? 0 : 1,
      secret_sealed: sealSecret(ctx, id, secret),
      previous_secret_sealed: null,
      previous_secret_expires_at: null,
      disabled_reason: null,
      failing_since: null,
      ...(await startingCursor(trx, ctx.store.dialect)),
      created_at: now,
      updated_at: now,
    };
    await insertWebhookEndpoint(trx, values);
    await audit(trx, 'webhook_endpoint.created', values, now);
    return values;
  });
  return { ...toEndpoint(row), secret };
}

export async function listEndpoints(ctx: DomainContext, page: { limit: number; offset: number }): Promise<Page<WebhookEndpoint>> {
  const { rows, total } = await listWebhookEndpointRows(ctx.store.db, page);
  return { items: rows.map(toEndpoint), totalCount: total };
}

export async function getEndpoint(ctx: DomainContext, id: string): Promise<WebhookEndpoint> {
  return toEndpoint(await requireEndpoint(ctx, id));
}

export async function updateEndpoint(ctx: DomainContext, id: string, input: EndpointInput): Promise<WebhookEndpoint> {
  const url = input.url === undefined ? undefined : await validatedUrl(ctx, input.url);
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const before = await loadRow(trx, id);
    const after: WebhookEndpointTable = { ...before, updated_at: now };
    if (url !== undefined) after.url = url;
    if (input.description !== undefined) after.description = input.description;
    if (input.events !== undefined) after.events = input.events === null ? null : JSON.stringify(input.events);
    if (input.enabled !== undefined) {
      after.enabled = input.enabled ? 1 : 0;
      // Re-enabling starts a fresh failure window; the old reason no longer applies.
      if (input.enabled) Object.assign(after, { disabled_reason: null, failing_since: null });
    }
    await updateWebhookEndpointRow(trx, id, {
      url: after.url,
      description: after.description,
      events: after.events,
      enabled: after.enabled,
      disabled_reason: after.disabled_reason,
      failing_since: after.failing_since,
      updated_at: now,
    });
    await audit(trx, 'webhook_endpoint.updated', after, now, before);
    return toEndpoint(after);
  });
}

export async function deleteEndpoint(ctx: DomainContext, id: string): Promise<DeletedObject> {
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    const row = await loadRow(trx, id);
    await deleteWebhookEndpointRow(trx, id);
    await audit(trx, 'webhook_endpoint.deleted', row, now);
  });
  return { object: 'webhook_endpoint', id, deleted: true };
}

/** New secret now; the old one keeps signing alongside it for ROTATION_OVERLAP_MS. */
export async function rotateSecret(ctx: DomainContext, id: string): Promise<WebhookEndpoint> {
  const now = ctx.now();
  const secret = newWebhookSecret();
  const row = await ctx.store.transaction(async (trx) => {
    const before = await loadRow(trx, id);
    const after: WebhookEndpointTable = {
      ...before,
      secret_sealed: sealSecret(ctx, id, secret),
      previous_secret_sealed: before.secret_sealed,
      previous_secret_expires_at: now + ROTATION_OVERLAP_MS,
      updated_at: now,
    };
    await updateWebhookEndpointRow(trx, id, {
      secret_sealed: after.secret_sealed,
      previous_secret_sealed: after.previous_secret_sealed,
      previous_secret_expires_at: after.previous_secret_expires_at,
      updated_at: now,
    });
    await audit(trx, 'webhook_endpoint.secret_rotated', after, now);
    return after;
  });
  return { ...toEndpoint(row), secret };
}

/** The endpoint's row, or a 404 (also for routes nested under it). */
export function requireEndpoint(ctx: DomainContext, id: string): Promise<WebhookEndpointTable> {
  return loadRow(ctx.store.db, id);
}
