/**
 * The shipped `gatehouse` executable, started as a process of its own on a throwaway store: what
 * an operator runs, with nothing of the bench (its generated data, its own work between phases)
 * sharing the server's heap or event loop. The bench builds `dist` before it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomSecret } from '../../packages/server/src/crypto/tokens.js';
import type { ThrowawayStore } from './throwaway-store.js';

const EXECUTABLE = fileURLToPath(new URL('../../packages/server/dist/cli/gatehouse.cjs', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface ServerProcess {
  url: string;
  pid: number;
  /** The operator-chosen Backend API key (GATEHOUSE_SECRET_KEY) the server was started with. */
  secretKey: string;
  /** SIGTERM, then waits for the graceful shutdown (SIGKILL if it hangs). */
  close(): Promise<void>;
}

/** DATABASE_URL for the store; a schema-isolated store carries its search_path as a startup option. */
function databaseUrlFor(target: ThrowawayStore): string | undefined {
  if (target.options.kind !== 'postgres') return undefined;
  const url = new URL(target.options.url);
  if (target.options.searchPath) url.searchParams.set('options', `-c search_path=${target.options.searchPath}`);
  return url.toString();
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** `env` adds settings to the server's environment; rate limits are off unless it turns them on (see `serverConfig`). */
export async function startServerProcess(target: ThrowawayStore, env: Record<string, string> = {}): Promise<ServerProcess> {
  if (!fs.existsSync(EXECUTABLE)) throw new Error(`${EXECUTABLE} is missing: run \`npm run build\` first`);
  const secretKey = `sk_test_${randomSecret()}`;
  const databaseUrl = databaseUrlFor(target);
  const serverEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GATEHOUSE_RATE_LIMITS: 'off',
    ...env,
    HOST: '127.0.0.1',
    PORT: '0',
    GATEHOUSE_DATA_DIR: target.dataDir,
    GATEHOUSE_SECRET_KEY: secretKey,
    GATEHOUSE_LOG_LEVEL: 'silent',
  };
  delete serverEnv.DATABASE_URL;
  if (databaseUrl) serverEnv.DATABASE_URL = databaseUrl;
  const child = spawn(process.execPath, [EXECUTABLE, 'start'], { env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`gatehouse did not start: ${why}\n${output.trim()}`));
    };
    const timer = setTimeout(() => fail(`no banner within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (listening?.[1]) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code ?? '?'})`));
  });
  // From here on drained unread, so a chatty server can never block on a full pipe.
  child.stdout?.removeAllListeners('data').resume();
  child.stderr?.removeAllListeners('data').resume();
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  if (child.pid === undefined) throw new Error('gatehouse has no pid');
  const pid = child.pid;
  return {
    url,
    pid,
    secretKey,
    async close() {
      const gone = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
