import type { Store } from '../store/db.js';
import type { SigningKeys } from './sessions/signing-keys.js';

/** What every domain operation may use: the store, the clock and the instance's policies. */
export interface DomainContext {
  store: Store;
  now(): number;
  /** The origin browsers use; absolute URLs handed out (images, invitation links) start with it. */
  publicUrl: URL;
  signingKeys: SigningKeys;
  policy: {
    applicationName: string;
    passwordMinLength: number;
    lockout: { maxAttempts: number; durationSeconds: number };
    sessions: { lifetimeSeconds: number; inactivityTimeoutSeconds: number; tokenLifetimeSeconds: number; tokenVersion: 1 | 2 };
  };
}
