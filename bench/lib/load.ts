/**
 * HTTP load phases. The load generator (autocannon, or the bare loop of bare-load.ts) runs in a
 * child process, not beside the bench: in one process they would share a single event loop, and
 * every measured latency would include the other's work. The child records each response time itself, so percentiles
 * are exact rather than read off autocannon's fixed set (which has p97.5 but no p95).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { coresBetween, snapshot, type CpuSnapshot } from './cpu.js';

export type RequestSource =
  /** GET one of `paths`, chosen uniformly at random per request. */
  | { kind: 'pick'; paths: string[] }
  /** POST /v1/users with a fresh address and passphrase on every request. */
  | { kind: 'create-users'; runTag: string }
  /** PATCH /v1/users/{id} of one of `userIds`, with a first name no earlier request used. */
  | { kind: 'update-users'; userIds: string[] }
  /** POST `path` with an empty JSON object, the same request every time. */
  | { kind: 'post'; path: string }
  /**
   * Frontend API: POST /fapi/v1/client/sessions/{id}/tokens, connection i always as browser
   * i % browsers.length (its own `__client` cookie and session), from `origin`. Bare client only.
   */
  | { kind: 'fapi-refresh'; origin: string; browsers: { sessionId: string; cookie: string }[] }
  /** Frontend API: a password sign-in of one of `identifiers`, from a browser with no client yet. Bare client only. */
  | { kind: 'fapi-sign-in'; origin: string; identifiers: string[]; password: string };

export interface LoadPlan {
  /** Origin of the server, e.g. http://127.0.0.1:43121 */
  origin: string;
  secretKey: string;
  connections: number;
  /** Each phase is bounded: by seconds, or by a request count when `amount` is set. */
  durationSeconds: number;
  amount?: number;
  /** Requests sent and discarded before measuring (JIT, page cache, connection setup). */
  warmupRequests: number;
  source: RequestSource;
  /**
   * autocannon (the default), or a bare keep-alive loop that costs the machine less CPU per request
   * (bare-load.ts): for phases whose server is CPU-bound, where the client's share is taken from it.
   */
  client?: 'autocannon' | 'bare';
}

export interface LoadResult {
  elapsedMs: number;
  /** 2xx responses; only these count towards latency and throughput. */
  ok: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  latenciesMs: number[];
  /** autocannon's own histogram, kept for cross-checking the exact figures (absent with the bare client). */
  autocannon?: { p50: number; p90: number; p97_5: number; p99: number; max: number; mean: number };
  /** CPU-seconds the load generator itself used during the measured phase. */
  clientCpuSeconds: number;
}

/** Average cores busy during the measured phase, by role. */
export interface CpuSplit {
  server: number;
  client: number;
  /** Everything else on the machine: work that competed with the bench for the same cores. */
  other: number;
}

/** Replies by status, for every status other than 2xx. */
export function non2xxCounts(result: Pick<LoadResult, 'statusCounts'>): Record<string, number> {
  return Object.fromEntries(Object.entries(result.statusCounts).filter(([status]) => !status.startsWith('2')));
}

/** Requests that did not succeed: non-2xx replies plus errors and timeouts. */
export function failedRequests(result: { non2xx: Record<string, number>; errors: number }): number {
  return Object.values(result.non2xx).reduce((a, b) => a + b, 0) + result.errors;
}

export type ChildReply = { ok: true; result: LoadResult } | { ok: false; error: string };
export type ChildMessage = { type: 'started' } | { type: 'done'; reply: ChildReply };

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/**
 * A load-generator process that runs phases one after another. Phases that belong together (a
 * warm-up and the windows measured after it) share one: a fresh process per window would spend
 * each window's first moments loading and compiling its own code on the cores under test.
 */
export class LoadGenerator {
  private readonly child: ChildProcess;
  private exited = false;
  private onExit: ((code: number | null) => void) | undefined;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.once('exit', (code) => {
      this.exited = true;
      this.onExit?.(code);
    });
  }

  static start(): LoadGenerator {
    // fork() reuses this process's execArgv, which carries tsx's loader, so the child runs TypeScript.
    return new LoadGenerator(fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /**
   * Runs one phase. `serverPids` lists the processes doing the server's work (the server, and the
   * PostgreSQL backends serving it); they are sampled when the child starts and ends its measured
   * phase, so warm-up and process start-up stay out of the CPU split.
   */
  run(plan: LoadPlan, serverPids: () => Promise<readonly number[]>): Promise<LoadResult & { cpu: CpuSplit }> {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(plan.origin)) return Promise.reject(new Error(`refusing to load ${plan.origin}: loopback only`));
    if (this.exited || this.onExit) return Promise.reject(new Error('load generator is gone or busy'));
    const { child } = this;
    const limitMs = (plan.durationSeconds + 120) * 1000;
    let started: Promise<CpuSnapshot> | undefined;
    return new Promise<LoadResult & { cpu: CpuSplit }>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('error', onError);
        this.onExit = undefined;
        fn();
      };
      // Backstop only: the child ends each phase itself; this catches a wedged child.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        settle(() => reject(new Error(`load child did not finish within ${limitMs} ms`)));
      }, limitMs);
      // The pid list is re-read at both ends (a few ms each) because pooled connections, and so
      // PostgreSQL backends, come and go between phases.
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'started') {
          started = serverPids().then(snapshot);
          return;
        }
        const { reply } = message;
        if (!reply.ok) return settle(() => reject(new Error(`load child failed: ${reply.error}`)));
        void (async () => {
          const ended = snapshot(await serverPids());
          const begun = await started;
          const split = begun ? coresBetween(begun, ended, reply.result.clientCpuSeconds) : { own: Number.NaN, foreign: Number.NaN };
          const client = reply.result.clientCpuSeconds / (reply.result.elapsedMs / 1000);
          settle(() => resolve({ ...reply.result, cpu: { server: split.own - client, client, other: split.foreign } }));
        })().catch((error: unknown) => settle(() => reject(error instanceof Error ? error : new Error(String(error)))));
      };
      const onError = (error: Error) => settle(() => reject(error));
      child.on('message', onMessage);
      child.on('error', onError);
      this.onExit = (code) => settle(() => reject(new Error(`load child exited with code ${code} before replying`)));
      child.send(plan);
    });
  }

  /** Lets the child finish and exit; it holds no state worth waiting for. */
  close(): void {
    if (!this.exited && this.child.connected) this.child.disconnect();
  }
}

/** One phase in a load generator of its own. */
export async function runLoad(plan: LoadPlan, serverPids: () => Promise<readonly number[]>): Promise<LoadResult & { cpu: CpuSplit }> {
  const generator = LoadGenerator.start();
  try {
    return await generator.run(plan, serverPids);
  } finally {
    generator.close();
  }
}
