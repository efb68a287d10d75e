import type { Store } from '../../store/db.js';

export interface WebhookSettings {
  /** Seals endpoint secrets at rest (the instance encryption key). */
  encryptionKey: Uint8Array;
  /** GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: permit loopback/private/link-local targets (dev, tests). */
  allowPrivate: boolean;
  instanceId: string;
}

// The routes receive only the DomainContext; rather than widen that shared type for one feature,
// the server registers the webhook settings against its store when it starts.
const byStore = new WeakMap<Store, WebhookSettings>();

export function configureWebhooks(store: Store, settings: WebhookSettings): void {
  byStore.set(store, settings);
}

export function webhookSettings(store: Store): WebhookSettings {
  const settings = byStore.get(store);
  if (!settings) throw new Error('webhooks are not configured for this store (configureWebhooks was not called)');
  return settings;
}
