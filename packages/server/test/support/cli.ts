import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(PACKAGE_ROOT, 'src/cli/index.ts');

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  // The child sees only what the test gives it, plus what node needs to run.
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', GATEHOUSE_LOG_LEVEL: 'warn', ...env };
}

/** Runs `gatehouse <args>` from source (through tsx) to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: PACKAGE_ROOT, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface CliServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `gatehouse start` and resolves once it prints its banner. */
export function startCliServer(env: Record<string, string>): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], { cwd: PACKAGE_ROOT, env: childEnv({ PORT: '0', ...env }) });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    // A bound for a server that never prints its banner, so its process does not outlive the test.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/[^\s,)]+)/.exec(out);
      if (match?.[1] && out.includes('Publishable key:')) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}
