import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { newId } from '../crypto/ids.js';
import { signWebhook } from '../crypto/webhook-signature.js';
import { appendEvent } from '../domain/events/append-event.js';
import { endpointWants } from '../domain/webhooks/event-types.js';
import { endpointEventData, openSecret } from '../domain/webhooks/endpoints.js';
import type { WebhookSettings } from '../domain/webhooks/settings.js';
import type { WebhookDeliveryTable, WebhookEndpointTable } from '../store/schema.js';
import type { Store } from '../store/db.js';
import { findEventBySeq } from '../store/repositories/event-repository.js';
import {
  advanceEndpointCursor,
  claimDueDeliveries,
  insertNewDeliveries,
  listEndpointCursors,
  listEventsAfterCursor,
  lockEndpointForFanOut,
  recordDeliveryAttempt,
  type ClaimedDelivery,
} from '../store/repositories/webhook-delivery-repository.js';
import { findWebhookEndpointRow, updateWebhookEndpointRow } from '../store/repositories/webhook-endpoint-repository.js';
import { postWebhook, type PostResult } from './webhook-http.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Waits after the 1st, 2nd, … failed attempt (Svix's opening steps, then every 10 h); after the
 * last one, about three days after the first attempt, the delivery is given up.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, ...Array<number>(6).fill(10 * HOUR)];

export interface DispatcherOptions {
  store: Store;
  logger: Logger;
  webhooks: WebhookSettings;
  /** Named in every payload, as Clerk's `instance_id`. */
  instanceId: string;
  retryScheduleMs?: readonly number[];
  /** An endpoint failing without a single success for this long is disabled. */
  disableAfterMs?: number;
  intervalMs?: number;
  timeoutMs?: number;
  /** How long a claimed delivery stays invisible to other processes. */
  lockMs?: number;
  maxInFlight?: number;
  now?: () => number;
}

type Claimed = ClaimedDelivery;

const FANOUT_BATCH = 500;

export class WebhookDispatcher {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly settings: WebhookSettings;
  private readonly instanceId: string;
  private readonly schedule: readonly number[];
  private readonly disableAfterMs: number;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly lockMs: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** The last pass found more due deliveries than it had room for. */
  private backlog = false;
  /** A delivery finished during a pass that left a backlog: run the next pass at once. */
  private wakeRequested = false;

  constructor(options: DispatcherOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.settings = options.webhooks;
    this.instanceId = options.instanceId;
    this.schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.disableAfterMs = options.disableAfterMs ?? 5 * 24 * HOUR;
    this.intervalMs = options.intervalMs ?? 200;
    this.timeoutMs = options.timeoutMs ?? 15 * SECOND;
    this.lockMs = options.lockMs ?? 30 * SECOND;
    this.maxInFlight = options.maxInFlight ?? 20;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.schedule_(this.intervalMs);
  }

  /** Stops claiming, aborts in-flight posts (their locks lapse and another pass retries them). */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Passes run every `intervalMs` while there is little to do. Under a backlog they run back to
   * back instead: at once when fan-out left events unread, and as soon as half the in-flight
   * deliveries have finished when due deliveries were left waiting for room. A fixed interval
   * alone would cap delivery at maxInFlight per interval, whatever the receiver could take.
   */
  private schedule_(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ticking = this.tick()
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'webhook dispatcher pass failed');
          return false;
        })
        .then((more) => {
          this.ticking = undefined;
          const now = more || this.wakeRequested;
          this.wakeRequested = false;
          this.schedule_(now ? 0 : this.intervalMs);
        });
    }, delayMs);
    // The loop alone must not keep the process alive.
    this.timer.unref();
  }

  private wake(): void {
    if (!this.backlog || this.inFlight.size > this.maxInFlight / 2 || this.stopping.signal.aborted) return;
    if (this.ticking) {
      this.wakeRequested = true;
    } else if (this.timer) {
      clearTimeout(this.timer);
      this.schedule_(0);
    }
  }

  /**
   * One pass: turn new events into deliveries, then start the due ones. Exposed for tests.
   * Returns whether events were left unread, so the next pass should follow at once.
   */
  async tick(): Promise<boolean> {
    const unread = await this.fanOut();
    if (this.stopping.signal.aborted) return false;
    const room = this.maxInFlight - this.inFlight.size;
    if (room <= 0) {
      this.backlog = true;
      return unread;
    }
    const claimed = await this.claim(room);
    this.backlog = claimed.length === room;
    for (const delivery of claimed) {
      const running: Promise<void> = this.deliver(delivery)
        .catch((error: unknown) => this.logger.warn({ err: error, delivery_id: delivery.id }, 'webhook delivery failed to record'))
        .finally(() => {
          this.inFlight.delete(running);
          this.wake();
        });
      this.inFlight.add(running);
    }
    return unread;
  }

  /**
   * Fan-out reads the event log after each endpoint's cursor rather than hooking every writer:
   * writers stay unaware of webhooks, endpoint changes need no coordination with them, and the
   * `(endpoint_id, event_seq)` unique key makes a pass by two processes harmless.
   */
  private async fanOut(): Promise<boolean> {
    const endpoints = await listEndpointCursors(this.store.db);
    let unread = false;
    for (const endpoint of endpoints) {
      const pending = await listEventsAfterCursor(this.store.db, this.store.dialect, endpoint, 1);
      if (pending.length === 0) continue;
      // Drain a backlog in a few batches per pass, each its own short transaction.
      let full = true;
      for (let batch = 0; batch < 10 && full; batch++) {
        full = (await this.fanOutEndpoint(endpoint.id)) === FANOUT_BATCH && !this.stopping.signal.aborted;
      }
      unread ||= full;
    }
    return unread;
  }

  /** Returns how many events this batch consumed. */
  private async fanOutEndpoint(endpointId: string): Promise<number> {
    const now = this.now();
    return this.store.transaction(async (trx) => {
      const endpoint = await lockEndpointForFanOut(trx, this.store.dialect, endpointId);
      if (!endpoint) return 0;
      const events = await listEventsAfterCursor(trx, this.store.dialect, endpoint, FANOUT_BATCH);
      const last = events.at(-1);
      if (!last) return 0;
      const types = endpoint.events === null ? null : (JSON.parse(endpoint.events) as string[]);
      // A disabled endpoint's cursor moves on too: it resumes with new events, and a replay
      // (`since`) recovers what it missed.
      const wanted = endpoint.enabled === 1 ? events.filter((e) => e.seq > endpoint.created_seq && endpointWants(types, e.type)) : [];
      await insertNewDeliveries(
        trx,
        wanted.map((e): WebhookDeliveryTable => ({
          id: newId('msg', now),
          endpoint_id: endpoint.id,
          event_seq: e.seq,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          locked_until: null,
          last_status_code: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        })),
      );
      await advanceEndpointCursor(trx, endpoint.id, last);
      return events.length;
    });
  }

  /** Marks up to `limit` due deliveries as ours for `lockMs`, atomically across processes. */
  private claim(limit: number): Promise<Claimed[]> {
    const now = this.now();
    return claimDueDeliveries(this.store.db, this.store.dialect, now, now + this.lockMs, limit);
  }

  private async deliver(claimed: Claimed): Promise<void> {
    const endpoint = await findWebhookEndpointRow(this.store.db, claimed.endpoint_id);
    if (!endpoint) return; // deleted meanwhile; its deliveries went with it
    if (endpoint.enabled !== 1) {
      await this.record(claimed, { statusCode: null, latencyMs: 0, error: 'endpoint_disabled' }, true);
      return;
    }
    const event = await findEventBySeq(this.store.db, claimed.event_seq);
    if (!event) {
      await this.record(claimed, { statusCode: null, latencyMs: 0, error: 'event_missing' }, true);
      return;
    }
    const body = JSON.stringify({
      data: JSON.parse(event.data) as unknown,
      object: 'event',
      type: event.type,
      timestamp: event.created_at,
      instance_id: this.instanceId,
      event_attributes: { http_request: { client_ip: event.ip ?? '', user_agent: event.user_agent ?? '' } },
    });
    const now = this.now();
    // A fresh timestamp per attempt: receivers reject signatures older than 5 minutes.
    const timestamp = Math.floor(now / 1000);
    const secrets = [openSecret(this.settings, endpoint.id, endpoint.secret_sealed)];
    if (endpoint.previous_secret_sealed && (endpoint.previous_secret_expires_at ?? 0) > now) {
      secrets.push(openSecret(this.settings, endpoint.id, endpoint.previous_secret_sealed));
    }
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Gatehouse-Webhooks/1',
      'svix-id': claimed.id,
      'svix-timestamp': String(timestamp),
      'svix-signature': secrets.map((s) => signWebhook(s, claimed.id, timestamp, body)).join(' '),
    };
    const result = await postWebhook(new URL(endpoint.url), headers, body, { timeoutMs: this.timeoutMs, allowPrivate: this.settings.allowPrivate, signal: this.stopping.signal });
    // Cut short by shutdown: leave the lock to lapse so this or another process retries it.
    if (result.error === 'aborted') return;
    await this.record(claimed, result, false);
  }

  /** Records the attempt and moves the delivery (and the endpoint's health) on, in one transaction. */
  private async record(claimed: Claimed, result: PostResult, giveUp: boolean): Promise<void> {
    const now = this.now();
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const attempts = claimed.attempts + 1;
    const wait = this.schedule[attempts - 1];
    const status = ok ? 'succeeded' : giveUp || wait === undefined ? 'failed' : 'pending';
    await this.store.transaction(async (trx) => {
      await recordDeliveryAttempt(
        trx,
        { delivery_id: claimed.id, attempted_at: now, status_code: result.statusCode, latency_ms: result.latencyMs, error: result.error },
        claimed.locked_until,
        {
          status,
          attempts,
          next_attempt_at: status === 'pending' && wait !== undefined ? now + jittered(wait) : now,
          last_status_code: result.statusCode,
          last_error: result.error,
          updated_at: now,
        },
      );
      if (giveUp) return;
      const endpoint = await findWebhookEndpointRow(trx, claimed.endpoint_id);
      if (!endpoint) return;
      if (ok) {
        if (endpoint.failing_since !== null) await updateWebhookEndpointRow(trx, endpoint.id, { failing_since: null });
        return;
      }
      const failingSince = endpoint.failing_since ?? now;
      if (endpoint.enabled === 1 && now - failingSince >= this.disableAfterMs) {
        const reason = `disabled after failing continuously since ${new Date(failingSince).toISOString()}`;
        const after: WebhookEndpointTable = { ...endpoint, enabled: 0, disabled_reason: reason, failing_since: failingSince, updated_at: now };
        await updateWebhookEndpointRow(trx, endpoint.id, { enabled: 0, disabled_reason: reason, failing_since: failingSince, updated_at: now });
        await appendEvent(trx, { type: 'webhook_endpoint.disabled', data: endpointEventData('webhook_endpoint.disabled', after), actor: { type: 'system', id: null } }, now);
        this.logger.warn({ endpoint_id: endpoint.id }, 'webhook endpoint disabled after failing continuously');
      } else if (endpoint.failing_since === null) {
        await updateWebhookEndpointRow(trx, endpoint.id, { failing_since: now });
      }
    });
  }
}

/** ±10 % so endpoints that failed together do not all retry in the same instant. */
function jittered(ms: number): number {
  const spread = Math.floor(ms / 10);
  return spread > 0 ? ms - spread + randomInt(0, 2 * spread + 1) : ms;
}
