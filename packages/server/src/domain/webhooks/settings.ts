/** The instance's webhook settings, on the domain context. */
export interface WebhookSettings {
  /** Seals endpoint secrets at rest (the instance encryption key). */
  encryptionKey: Uint8Array;
  /** GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: permit loopback/private/link-local targets (dev, tests). */
  allowPrivate: boolean;
}
