import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import type { EmailSettings } from './email/settings.js';
import type { SigningKeys } from './sessions/signing-keys.js';
import type { WebhookSettings } from './webhooks/settings.js';

/** What every domain operation may use: the store, the clock, the logger and the instance's settings and policies. */
export interface DomainContext {
  store: Store;
  now(): number;
  /** The origin browsers use; absolute URLs handed out (images, invitation links) start with it. */
  publicUrl: URL;
  /** Exact origins browsers may call the Frontend API from and be sent back to: the public URL's and `GATEHOUSE_ALLOWED_ORIGINS`. */
  allowedOrigins(): readonly string[];
  signingKeys: SigningKeys;
  webhooks: WebhookSettings;
  /** Seals factor secrets (TOTP) at rest. */
  encryptionKey: Uint8Array;
  /** Keys the hashes of short one-time codes, so a copy of the store cannot be searched for them. */
  verificationKey: Uint8Array;
  email: EmailSettings;
  /** Operational events only: never a secret, a token or a password. */
  logger: Logger;
  policy: {
    applicationName: string;
    passwordMinLength: number;
    lockout: { maxAttempts: number; durationSeconds: number };
    sessions: { lifetimeSeconds: number; inactivityTimeoutSeconds: number; tokenLifetimeSeconds: number; tokenVersion: 1 | 2 };
  };
}
