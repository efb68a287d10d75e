import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../support/cli.js';

/**
 * The `gatehouse` executable sizes libuv's thread pool before any ES module loads. These tests run
 * the launcher exactly as `npm start` does (plain node, CommonJS), in front of a stand-in for the
 * CLI that reports the process's threads once the pool has started. libuv starts every pool
 * thread at once, so against a run with a one-thread pool the difference is the pool actually in
 * effect, not just the variable. Threads are counted in /proc (Linux, as in CI); elsewhere the
 * tests check the variable the pool is started with.
 */

const STAND_IN = `
import fs from 'node:fs';
await fs.promises.readFile(new URL(import.meta.url));
const threads = fs.existsSync('/proc/self/task') ? fs.readdirSync('/proc/self/task').length : null;
process.stdout.write(JSON.stringify({ threads, env: process.env.UV_THREADPOOL_SIZE }));
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-launcher-'));
  const source = readFileSync(path.join(PACKAGE_ROOT, 'src/cli/gatehouse.cts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2023 }, fileName: 'gatehouse.cts' });
  writeFileSync(path.join(dir, 'gatehouse.cjs'), outputText);
  writeFileSync(path.join(dir, 'index.js'), STAND_IN);
  // Makes index.js an ES module, as dist/cli/index.js is.
  copyFileSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(dir, 'package.json'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function launch(threadPoolSize: string | undefined): { threads: number | null; env: string } {
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  if (threadPoolSize !== undefined) env.UV_THREADPOOL_SIZE = threadPoolSize;
  const run = spawnSync(process.execPath, [path.join(dir, 'gatehouse.cjs')], { env, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { threads: number | null; env: string };
}

/**
 * Threads of the pool the launcher left in effect, counted against a run with one pool thread;
 * where threads cannot be counted, the size the variable asks for.
 */
function poolThreads(threadPoolSize: string | undefined): { poolThreads: number; env: string } {
  const { threads, env } = launch(threadPoolSize);
  const baseline = launch('1').threads;
  return { poolThreads: threads === null || baseline === null ? Number(env) : threads - baseline + 1, env };
}

describe('gatehouse executable: libuv thread pool', () => {
  const oneThreadPerCore = Math.max(2, os.availableParallelism());

  it('runs one thread per core, at least two, when the operator sets nothing', () => {
    expect(poolThreads(undefined)).toEqual({ poolThreads: oneThreadPerCore, env: String(oneThreadPerCore) });
  });

  it("keeps the operator's UV_THREADPOOL_SIZE", () => {
    expect(poolThreads('5')).toEqual({ poolThreads: 5, env: '5' });
  });

  it('treats an empty UV_THREADPOOL_SIZE as unset (libuv would read it as a single thread)', () => {
    expect(poolThreads('')).toEqual({ poolThreads: oneThreadPerCore, env: String(oneThreadPerCore) });
  });
});
