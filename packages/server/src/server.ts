import { hkdfSync } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import type { DomainContext } from './domain/context.js';
import { bootstrapInstance, type NewSecretKey } from './domain/keys/secret-keys.js';
import { SigningKeys } from './domain/sessions/signing-keys.js';
import { loadEncryptionKey } from './crypto/encryption-key.js';
import { buildApp } from './http/app.js';
import type { RateLimitStore } from './http/rate-limit-store.js';
import { MailDispatcher, redactedSmtpUrl } from './jobs/mail-dispatcher.js';
import { WebhookDispatcher } from './jobs/webhook-dispatcher.js';
import { openStore, storeOptionsFrom, type Store, type StoreOptions } from './store/db.js';
import { migrateToLatest } from './store/migrations/index.js';

export interface RunningServer {
  url: string;
  store: Store;
  instanceId: string;
  /** The first secret key, present only on the start that created the instance. */
  firstSecretKey: NewSecretKey | undefined;
  /** What the routes run domain operations with. */
  ctx: DomainContext;
  /** The in-process webhook dispatcher (tests stop it to run one with a faster schedule). */
  webhooks: WebhookDispatcher;
  /** The in-process mail dispatcher (tests stop it to run one with a faster schedule or another SMTP server). */
  mail: MailDispatcher;
  /** Stops accepting connections, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

export async function prepareStore(options: StoreOptions): Promise<Store> {
  const store = openStore(options);
  try {
    await migrateToLatest(store.db, store.dialect);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export interface ContextOptions {
  now?: () => number;
  /** Defaults to the store's keys under the configured encryption key (not yet ensured to exist). */
  signingKeys?: SigningKeys;
  /** Defaults to a silent logger (commands and tests that do not log). */
  logger?: Logger;
}

export function domainContextFor(config: Config, store: Store, options: ContextOptions = {}): DomainContext {
  const now = options.now ?? Date.now;
  // Mutable: with PORT=0 the port is known only once the server listens.
  const publicUrl = new URL(config.publicUrl.href);
  const encryptionKey = loadEncryptionKey(config.encryptionKey, config.dataDir).key;
  return {
    store,
    now,
    signingKeys: options.signingKeys ?? new SigningKeys(store, encryptionKey, now),
    webhooks: { encryptionKey, allowPrivate: config.webhooksAllowPrivate },
    encryptionKey,
    verificationKey: new Uint8Array(hkdfSync('sha256', encryptionKey, new Uint8Array(0), 'gatehouse verification codes', 32)),
    email: { smtp: config.email.smtpUrl !== undefined, devInbox: config.email.devInbox },
    logger: options.logger ?? pino({ level: 'silent' }),
    publicUrl,
    allowedOrigins: () => [publicUrl.origin, ...config.allowedOrigins.filter((o) => o !== publicUrl.origin)],
    policy: {
      applicationName: config.applicationName,
      passwordMinLength: config.passwordMinLength,
      lockout: config.lockout,
      sessions: config.sessions,
    },
  };
}

/** Where this server counts rate limits: the store it runs on, or Redis, keyed by the instance. */
function rateLimitStoreFor(config: Config, storeOptions: StoreOptions, instanceId: string): RateLimitStore {
  const chosen = config.rateLimitStore;
  if (chosen.kind === 'memory') return chosen;
  return chosen.kind === 'redis' ? { kind: 'redis', url: chosen.url, instanceId } : { kind: 'store', store: storeOptions, instanceId };
}

/** The instance's signing keys, creating the first one on a fresh store. */
export async function signingKeysFor(config: Config, store: Store, key: Uint8Array = loadEncryptionKey(config.encryptionKey, config.dataDir).key): Promise<SigningKeys> {
  const signingKeys = new SigningKeys(store, key);
  await signingKeys.ensureSigningKey();
  return signingKeys;
}

export async function startServer(config: Config, logger: Logger, storeOptions: StoreOptions = storeOptionsFrom(config)): Promise<RunningServer> {
  const store = await prepareStore(storeOptions);
  let signingKeys: SigningKeys;
  let instance: Awaited<ReturnType<typeof bootstrapInstance>>;
  let encryptionKey: Uint8Array;
  try {
    encryptionKey = loadEncryptionKey(config.encryptionKey, config.dataDir).key;
    instance = await bootstrapInstance({ store, now: Date.now });
    signingKeys = await signingKeysFor(config, store, encryptionKey);
  } catch (error) {
    await store.close();
    throw error;
  }
  const { instanceId, firstKey } = instance;
  const ctx = domainContextFor(config, store, { signingKeys, logger });
  const app = buildApp({
    ctx,
    logger,
    configuredSecretKey: config.extraSecretKey,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimits: config.rateLimits,
    rateLimitStore: rateLimitStoreFor(config, storeOptions, instanceId),
    trustedProxies: config.trustedProxies,
    ...(config.mcp.http ? { mcp: { readOnly: config.mcp.readOnly, allowPrivateMetadata: config.mcp.allowPrivateMetadata } } : {}),
  });
  try {
    await app.fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    await store.close();
    throw error;
  }
  const address = app.fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (config.port === 0 && (!config.publicUrlExplicit || config.publicUrl.port === '0')) {
    // PORT=0 picks a free port at listen time; a public URL derived from it, or one that names
    // port 0 itself (a proxy-less test at a host name of its own), must name the real one.
    ctx.publicUrl.port = String(port);
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const webhooks = new WebhookDispatcher({ store, logger, webhooks: ctx.webhooks, instanceId });
  webhooks.start();
  const mail = new MailDispatcher({ store, logger, smtpUrl: config.email.smtpUrl, from: config.email.from });
  mail.start();
  logMailSetup(config, logger, ctx.publicUrl);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    store,
    instanceId,
    firstSecretKey: firstKey,
    ctx,
    webhooks,
    mail,
    close() {
      closing ??= (async () => {
        app.beginShutdown();
        await app.fastify.close();
        // Before the store closes, so no pass queries a closed store; aborted posts are retried
        // once their claim lapses (at-least-once).
        await webhooks.stop();
        await mail.stop();
        await store.close();
      })();
      return closing;
    },
  };
}

/** Says where email goes. Never the SMTP password; in development mode, that codes reach the log. */
function logMailSetup(config: Config, logger: Logger, publicUrl: URL): void {
  const { smtpUrl, devInbox } = config.email;
  if (smtpUrl) {
    logger.info({ smtp: redactedSmtpUrl(smtpUrl) }, 'email: sending over SMTP');
  } else if (devInbox) {
    logger.info({ inbox: new URL('/dev/inbox/page', publicUrl).href }, 'email: no GATEHOUSE_SMTP_URL, messages go to the development inbox and the log');
  } else {
    logger.warn('email: no GATEHOUSE_SMTP_URL, so no email leaves this server; messages (sign-in codes included) are written to the log at info level');
  }
}
