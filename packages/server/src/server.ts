import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { DomainContext } from './domain/context.js';
import { bootstrapInstance, type NewSecretKey } from './domain/keys/secret-keys.js';
import { buildApp } from './http/app.js';
import { openStore, storeOptionsFrom, type Store, type StoreOptions } from './store/db.js';
import { migrateToLatest } from './store/migrations/index.js';

export interface RunningServer {
  url: string;
  store: Store;
  instanceId: string;
  /** The first secret key, present only on the start that created the instance. */
  firstSecretKey: NewSecretKey | undefined;
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

export function domainContextFor(config: Config, store: Store, now: () => number = Date.now): DomainContext {
  return {
    store,
    now,
    publicUrl: new URL(config.publicUrl.href),
    policy: {
      applicationName: config.applicationName,
      passwordMinLength: config.passwordMinLength,
      lockout: config.lockout,
    },
  };
}

export async function startServer(config: Config, logger: Logger, storeOptions: StoreOptions = storeOptionsFrom(config)): Promise<RunningServer> {
  const store = await prepareStore(storeOptions);
  const { instanceId, firstKey } = await bootstrapInstance(store);
  const ctx = domainContextFor(config, store);
  const app = buildApp({
    ctx,
    logger,
    configuredSecretKey: config.extraSecretKey,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  try {
    await app.fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    await store.close();
    throw error;
  }
  const address = app.fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (config.port === 0 && !config.publicUrlExplicit) {
    // PORT=0 picks a free port at listen time; the derived public URL must name the real one.
    ctx.publicUrl.port = String(port);
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    store,
    instanceId,
    firstSecretKey: firstKey,
    close() {
      closing ??= (async () => {
        app.beginShutdown();
        await app.fastify.close();
        await store.close();
      })();
      return closing;
    },
  };
}
