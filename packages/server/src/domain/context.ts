import type { Store } from '../store/db.js';

/** What every domain operation may use: the store, the clock and the instance's policies. */
export interface DomainContext {
  store: Store;
  now(): number;
  /** The origin browsers use; absolute URLs handed out (images, invitation links) start with it. */
  publicUrl: URL;
  policy: {
    applicationName: string;
    passwordMinLength: number;
    lockout: { maxAttempts: number; durationSeconds: number };
  };
}
