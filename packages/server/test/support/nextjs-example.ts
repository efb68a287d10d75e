import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

/**
 * The Next.js example (examples/nextjs) for end-to-end tests: built once with `next build`, then
 * served with `next start` on its own port, pointed at a test server by environment variables.
 *
 *   await buildNextExample();                       // skipped when the last build is of these sources
 *   const port = await freePort();
 *   const t = await startTestServer({ GATEHOUSE_ALLOWED_ORIGINS: `http://127.0.0.1:${port}` });
 *   const app = await startNextExample(port, nextExampleEnv(t));
 *   …
 *   await app.close();
 *
 * The example reads its keys and URLs at request time (its root layout awaits `connection()`), so
 * one build serves every test server. The build is keyed by a hash of the example's sources and
 * the installed versions of what it builds with, kept in `.next/gatehouse-build-key`: the SQLite
 * and PostgreSQL runs of CI build once between them, and a build of the developer's own (which may
 * have keys baked in) is never reused.
 */

export const NEXT_EXAMPLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/nextjs');
const DIST_DIR = path.join(NEXT_EXAMPLE_DIR, '.next');
const KEY_FILE = path.join(DIST_DIR, 'gatehouse-build-key');
const NEXT_BIN = path.join(NEXT_EXAMPLE_DIR, 'node_modules/.bin/next');

/** Generous for `next build` on a loaded 2-core machine (about 40 s when idle). */
export const NEXT_BUILD_MS = 300_000;
export const NEXT_START_MS = 60_000;

/** Settings of a Next.js build that the example must not inherit from whoever runs the tests. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // NEXT_PUBLIC_* present at build time would be frozen into the bundles; CLERK_* would point
    // the example elsewhere; vitest sets NODE_ENV=test, which Next.js refuses to build under.
    if (/^(NEXT_PUBLIC_|CLERK_|NEXT_|__NEXT)/.test(name) || name === 'NODE_ENV' || name.startsWith('VITEST')) continue;
    env[name] = value;
  }
  // A developer's examples/nextjs/.env*.local (README.md suggests one) must not reach the build
  // or the server either: Next.js reads no .env file once this internal flag says it has.
  return { ...env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', __NEXT_PROCESSED_ENV: 'true' };
}

function resolveNextBin(): string {
  // npm workspaces hoist next to the root node_modules unless two versions are needed.
  for (const candidate of [NEXT_BIN, path.join(NEXT_EXAMPLE_DIR, '../../node_modules/.bin/next')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('next is not installed: run `npm install` at the repository root');
}

function installedVersion(name: string): string {
  for (const dir of [path.join(NEXT_EXAMPLE_DIR, 'node_modules'), path.join(NEXT_EXAMPLE_DIR, '../../node_modules')]) {
    const manifest = path.join(dir, name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return 'missing';
}

/** The example's own files, sorted, without what builds and installs write, nor .env files (never read). */
function sourceFiles(dir = NEXT_EXAMPLE_DIR): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['.next', 'node_modules', 'next-env.d.ts'].includes(entry.name) || entry.name.startsWith('.env')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else files.push(full);
  }
  return files.sort();
}

export function nextExampleBuildKey(): string {
  const hash = createHash('sha256');
  for (const name of ['next', '@clerk/nextjs', '@clerk/react', 'react', 'react-dom']) hash.update(`${name}@${installedVersion(name)}\n`);
  for (const file of sourceFiles()) {
    hash.update(`${path.relative(NEXT_EXAMPLE_DIR, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** Runs `next build` in examples/nextjs unless the last build there is of the same sources. */
export async function buildNextExample(): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  const key = nextExampleBuildKey();
  if (existsSync(KEY_FILE) && readFileSync(KEY_FILE, 'utf8') === key && existsSync(path.join(DIST_DIR, 'BUILD_ID'))) {
    return { built: false, ms: Date.now() - started };
  }
  const output: string[] = [];
  const child = spawn(resolveNextBin(), ['build'], { cwd: NEXT_EXAMPLE_DIR, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.join('')}`);
  writeFileSync(KEY_FILE, key);
  return { built: true, ms: Date.now() - started };
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What an operator sets to point the example at a Gatehouse, as README.md shows. */
export function nextExampleEnv(gatehouse: { url: string; secretKey: string; publishableKey: string }): Record<string, string> {
  const fapi = `${gatehouse.url}/fapi`;
  return {
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: gatehouse.publishableKey,
    CLERK_SECRET_KEY: gatehouse.secretKey,
    CLERK_API_URL: gatehouse.url,
    NEXT_PUBLIC_CLERK_PROXY_URL: fapi,
    NEXT_PUBLIC_CLERK_JS_URL: `${fapi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`,
    NEXT_PUBLIC_CLERK_UI_URL: `${fapi}/npm/@clerk/ui@1/dist/ui.browser.js`,
    NEXT_PUBLIC_CLERK_KEYLESS_DISABLED: '1',
    NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED: '1',
    CLERK_TELEMETRY_DISABLED: '1',
  };
}

export interface NextExample {
  url: string;
  /** What `next start` printed, for a failing test to show. */
  output: string[];
  close(): Promise<void>;
}

/**
 * `next start` on `port`; resolves when it answers HTTP on 127.0.0.1. It is started without
 * `--hostname`: Next.js normalizes every loopback host in a proxy's request URL to `localhost`, so
 * with `--hostname 127.0.0.1` the rewrite clerkMiddleware answers with (to the request's own URL)
 * looks like another origin, and Next.js proxies it to `localhost` and fails.
 */
export async function startNextExample(port: number, env: Record<string, string>): Promise<NextExample> {
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(resolveNextBin(), ['start', '--port', String(port)], {
    cwd: NEXT_EXAMPLE_DIR,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const close = async () => {
    if (!gone) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      `next start to answer on ${url}`,
      async () => {
        if (gone) throw new Error(`next start exited:\n${output.join('')}`);
        try {
          await fetch(`${url}/favicon.ico`, { redirect: 'manual' });
          return true;
        } catch {
          return undefined;
        }
      },
      NEXT_START_MS,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { url, output, close };
}
