import type { Generated, Kysely, Transaction } from 'kysely';
import type { Database, Flag } from '../../store/schema.js';

/**
 * The webhook tables (migration 0004). Declared here rather than in the shared schema so the
 * webhook module owns its schema; `webhookDb` widens any executor to see them.
 */
export interface WebhookEndpointTable {
  id: string;
  url: string;
  description: string | null;
  /** JSON array of event types, or null for every Clerk event type. */
  events: string | null;
  enabled: Flag;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  disabled_reason: string | null;
  failing_since: number | null;
  cursor_txid: number;
  cursor_seq: number;
  /** Highest event seq when the endpoint was created; only later events are delivered. */
  created_seq: number;
  created_at: number;
  updated_at: number;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  event_seq: number;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  locked_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptTable {
  id: Generated<number>;
  delivery_id: string;
  attempted_at: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

// A type alias, not an interface: `withTables` needs an index-signature-compatible record.
export type WebhookTables = {
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  events: Database['events'] & { txid: Generated<number> };
};

export type WebhookDb = Kysely<Database & WebhookTables>;
export type WebhookTrx = Transaction<Database & WebhookTables>;

export function webhookDb(db: Kysely<Database>): WebhookDb {
  return db.withTables<WebhookTables>();
}

export function webhookTrx(trx: Transaction<Database>): WebhookTrx {
  return trx.withTables<WebhookTables>();
}
