/**
 * Gatehouse started in the bench's own process on a throwaway store, for benches that also reach
 * into the running server (its store, its signing keys) between phases.
 */
import type { Config } from '../../packages/server/src/config.js';
import { createLogger } from '../../packages/server/src/logger.js';
import { startServer, type RunningServer } from '../../packages/server/src/server.js';
import { serverConfig, type ThrowawayStore } from './throwaway-store.js';

export interface InProcessServer {
  config: Config;
  server: RunningServer;
  /** The Backend API key the server created on its first start. */
  secret: string;
}

/** `env` adds settings to the server's config. Close the server when done. */
export async function startInProcessServer(target: ThrowawayStore, env: Record<string, string> = {}): Promise<InProcessServer> {
  const config = serverConfig(target, env);
  const server = await startServer(config, createLogger('silent'), target.options);
  const secret = server.firstSecretKey?.secret;
  if (!secret) {
    await server.close();
    throw new Error('the server did not create a first secret key');
  }
  return { config, server, secret };
}
