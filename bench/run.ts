/**
 * Bench dispatcher: `tsx bench/run.ts <name> [args…]` imports bench/<name>.ts and awaits its
 * exported `main(args)`. Benches are found by listing this folder, so adding one is adding a file.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type BenchMain = (args: string[]) => Promise<void>;

const here = path.dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  return fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

function hasMain(mod: unknown): mod is { main: BenchMain } {
  return typeof mod === 'object' && mod !== null && 'main' in mod && typeof mod.main === 'function';
}

function usage(): string {
  return `usage: npm run bench -- <name>\navailable benches:\n${available()
    .map((n) => `  ${n}`)
    .join('\n')}\n`;
}

/**
 * Benches start the server in their own process, or (users) hash their raw argon2id reference
 * there, so that process needs the libuv thread pool the `gatehouse` executable would give the
 * server (packages/server/src/cli/gatehouse.cts: one thread per core, at least 2). The pool is already running by the time an ES module runs, so without
 * UV_THREADPOOL_SIZE the bench runs itself again with it set.
 */
function rerunWithServerThreadPool(): number | undefined {
  if (process.env.UV_THREADPOOL_SIZE) return undefined;
  const env = { ...process.env, UV_THREADPOOL_SIZE: String(Math.max(2, os.availableParallelism())) };
  const run = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: 'inherit' });
  return run.status ?? 1;
}

const [name, ...args] = process.argv.slice(2);
const rerunStatus = name !== undefined && available().includes(name) ? rerunWithServerThreadPool() : undefined;
if (rerunStatus !== undefined) {
  process.exitCode = rerunStatus;
} else if (name === undefined || name === '' || name === '--help' || name === '-h') {
  process.stdout.write(usage());
} else if (!available().includes(name)) {
  process.stderr.write(`unknown bench "${name}"\n${usage()}`);
  process.exitCode = 2;
} else {
  const mod: unknown = await import(pathToFileURL(path.join(here, `${name}.ts`)).href);
  if (!hasMain(mod)) {
    process.stderr.write(`bench/${name}.ts does not export main()\n`);
    process.exitCode = 2;
  } else {
    await mod.main(args);
  }
}
