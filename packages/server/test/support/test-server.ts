import path from 'node:path';
import { createClerkClient } from '@clerk/backend';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openStore, type Store } from '../../src/store/db.js';
import { plantCanaryTriggers } from './canary-planting.js';
import { createTestStore, postgresStoreUrl, type TestStore } from './test-store.js';

export interface TestServer {
  url: string;
  /** The store it runs on; a second server started with `shareStoreWith` runs on the same one. */
  testStore: TestStore;
  secretKey: string;
  config: Config;
  server: RunningServer;
  clerk: ReturnType<typeof createClerkClient>;
  /** Raw HTTP against the server with the secret key, for what the SDK cannot express. */
  request(method: string, path: string, init?: { body?: unknown; headers?: Record<string, string>; rawBody?: string }): Promise<{ status: number; headers: Headers; body: unknown; text: string }>;
  close(): Promise<void>;
}

/**
 * A server on a fresh store, or — with `shareStoreWith` — a second server process's worth on the
 * store (and data directory) of another: the same instance, as two processes behind one balancer.
 * Users and organizations created without private metadata get the leak canary (canary-planting.ts)
 * unless `plantCanary` is false.
 */
export async function startTestServer(env: Record<string, string> = {}, options: { logger?: Logger; shareStoreWith?: TestServer; plantCanary?: boolean } = {}): Promise<TestServer> {
  const shared = options.shareStoreWith?.testStore;
  const store = shared ?? (await createTestStore());
  // Rate limits off, as for load tests: tests make many attempts from one address on purpose;
  // test/fapi/rate-limits.test.ts turns them on.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: store.dataDir, GATEHOUSE_RATE_LIMITS: 'off', ...env });
  const logger = options.logger ?? createLogger(process.env.GATEHOUSE_TEST_LOG_LEVEL ?? 'silent');
  const server = await startServer(config, logger, store.options);
  if (options.plantCanary !== false) await plantCanaryTriggers(server.store);
  const secretKey = shared ? options.shareStoreWith!.secretKey : server.firstSecretKey?.secret;
  if (!secretKey) throw new Error('a fresh store must yield a first secret key');
  const url = server.url;
  return {
    url,
    testStore: store,
    secretKey,
    config,
    server,
    clerk: createClerkClient({ secretKey, apiUrl: url }),
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${secretKey}`, ...init.headers };
      let body: string | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the raw text: a test asserting JSON will say so
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close() {
      await server.close();
      if (!shared) await store.dispose();
    },
  };
}

/** A second connection pool on a test server's store: what another server process would hold. */
export async function openSecondStore(t: TestServer): Promise<Store> {
  if (t.server.store.dialect === 'sqlite') return openStore({ kind: 'sqlite', file: path.join(t.config.dataDir, 'gatehouse.sqlite') });
  const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(t.server.store.db)).rows[0]!.s;
  return openStore({ kind: 'postgres', url: postgresStoreUrl(process.env.GATEHOUSE_TEST_DATABASE_URL!, schema), searchPath: `${schema},public`, poolSize: 3 });
}
