#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createSecretKey, listSecretKeys, revokeSecretKey } from '../domain/keys/secret-keys.js';
import { hostIsUsableByClerkSdks, publishableKeyFor } from '../crypto/publishable-key.js';
import { createLogger } from '../logger.js';
import { serveMcpOverStdio } from '../mcp/stdio.js';
import { WEBHOOKS_USAGE, webhooksCommand } from './webhooks.js';
import { OAUTH_PROVIDERS_USAGE, oauthProvidersCommand } from './oauth-providers.js';
import { CliUsageError } from './operator-command.js';
import { prepareStore, signingKeysFor, startServer } from '../server.js';
import { storeOptionsFrom, type Store } from '../store/db.js';

const USAGE = `Usage: gatehouse <command>

Commands:
  start                     Serve Gatehouse (default). Creates and migrates the store on first start.
  migrate                   Apply pending store migrations and exit.
  keys create [--name N]    Create a Backend API secret key and print it once.
  keys list                 List secret keys (id, name, last characters, dates).
  keys revoke <key id>      Revoke a secret key; it stops working at once.
  keys rotate-signing [--grace SECONDS]
                            Publish a new session-token signing key now and sign with it after the
                            grace period (default GATEHOUSE_SIGNING_KEY_GRACE_SECONDS); the old key
                            stays in the JWKS until its last token has expired.
${WEBHOOKS_USAGE}
${OAUTH_PROVIDERS_USAGE}
  mcp [--api-url URL] [--secret-key KEY] [--read-only] [--allow-private-metadata]
                            Serve the MCP tools over stdio for an agent host, talking to the
                            Gatehouse at URL (default GATEHOUSE_API_URL or http://127.0.0.1:3000)
                            with KEY (default GATEHOUSE_SECRET_KEY). --read-only exposes only
                            tools that change nothing; private metadata stays out of results
                            unless --allow-private-metadata.

Settings come from the environment; see README.md.`;

function describeStore(config: Config): string {
  return config.databaseUrl ? 'postgresql' : `sqlite (${config.dataDir})`;
}

async function withStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await prepareStore(storeOptionsFrom(config));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function start(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  // One write, so anything reading the banner sees it whole.
  const banner = [
    `Gatehouse is serving ${config.publicUrl.origin} (listening on ${server.url}, store: ${describeStore(config)})`,
    `Publishable key: ${publishableKeyFor(config.publicUrl)}`,
  ];
  if (!hostIsUsableByClerkSdks(config.publicUrl)) {
    banner.push(`Note: Clerk's SDKs reject a publishable key whose host has no dot; set GATEHOUSE_PUBLIC_URL (e.g. http://127.0.0.1:${config.port}).`);
  }
  if (server.firstSecretKey) banner.push(`Secret key (shown once, store it now): ${server.firstSecretKey.secret}`);
  process.stdout.write(`${banner.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function keys(config: Config, args: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' }, grace: { type: 'string' } } });
  const [action, id] = positionals;
  await withStore(config, async (store) => {
    const keyContext = { store, now: Date.now };
    if (action === 'create') {
      const key = await createSecretKey(keyContext, values.name ?? 'cli');
      process.stdout.write(`Created ${key.id} (${key.name}). Secret key, shown once:\n${key.secret}\n`);
    } else if (action === 'list') {
      const rows = await listSecretKeys(keyContext);
      process.stdout.write('id\tname\tends with\tcreated\tlast used\tstatus\n');
      for (const k of rows) {
        const date = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
        process.stdout.write(`${k.id}\t${k.name}\t…${k.hint}\t${date(k.createdAt)}\t${date(k.lastUsedAt)}\t${k.revokedAt ? `revoked ${date(k.revokedAt)}` : 'active'}\n`);
      }
    } else if (action === 'rotate-signing') {
      const grace = values.grace === undefined ? config.signingKeyGraceSeconds : Number(values.grace);
      if (!Number.isInteger(grace) || grace < 0) throw new UsageError('--grace must be a whole number of seconds.');
      const signingKeys = await signingKeysFor(config, store);
      const { kid, activatesAt } = await signingKeys.rotate(grace);
      process.stdout.write(`Published signing key ${kid}; it signs from ${new Date(activatesAt).toISOString()}.\n`);
    } else if (action === 'revoke' && id) {
      if (!(await revokeSecretKey(keyContext, id))) throw new UsageError(`No active secret key with id ${id}.`);
      process.stdout.write(`Revoked ${id}.\n`);
    } else {
      throw new UsageError(USAGE);
    }
  });
}

async function mcp(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'api-url': { type: 'string' },
      'secret-key': { type: 'string' },
      'read-only': { type: 'boolean' },
      'allow-private-metadata': { type: 'boolean' },
    },
  });
  const env = process.env;
  const apiUrl = values['api-url'] ?? env.GATEHOUSE_API_URL ?? `http://127.0.0.1:${env.PORT ?? '3000'}`;
  const secretKey = values['secret-key'] ?? env.GATEHOUSE_SECRET_KEY;
  if (!secretKey) throw new UsageError('gatehouse mcp needs a Backend API secret key: set GATEHOUSE_SECRET_KEY or pass --secret-key.');
  if (!URL.canParse(apiUrl) || !/^https?:$/.test(new URL(apiUrl).protocol)) throw new UsageError(`--api-url must be an http(s) URL, got ${apiUrl}.`);
  await serveMcpOverStdio(apiUrl, secretKey, {
    readOnly: values['read-only'] === true || env.GATEHOUSE_MCP_READ_ONLY === '1',
    allowPrivateMetadata: values['allow-private-metadata'] === true || env.GATEHOUSE_MCP_ALLOW_PRIVATE_METADATA === '1',
  });
  // The host closed stdin: nothing is left to do, whatever keep-alive sockets linger.
  process.exit(0);
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // The MCP server is a Backend API client: it needs no store and none of the server's settings.
  if (command === 'mcp') return mcp(rest);
  const config = loadConfig();
  switch (command) {
    case 'start':
      return start(config);
    case 'migrate':
      await withStore(config, async () => undefined);
      process.stdout.write(`Store is up to date (${describeStore(config)}).\n`);
      return;
    case 'keys':
      return keys(config, rest);
    case 'webhooks':
      return withStore(config, (store) => webhooksCommand(config, store, rest, (text) => process.stdout.write(`${text}\n`)));
    case 'oauth-providers':
      return withStore(config, (store) => oauthProvidersCommand(config, store, rest, (text) => process.stdout.write(`${text}\n`)));
    default:
      throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof CliUsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  // node:util parseArgs rejects unknown or malformed options: a usage error like any other.
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exit(1);
});
