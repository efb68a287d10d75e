/**
 * A bare HTTP/1.1 keep-alive load loop, for phases where the load generator's own CPU would
 * distort the result: on a machine whose cores are all busy hashing (the create phase), every
 * CPU-millisecond the client spends is taken from the server under test. Measured on the 2-core
 * bench machine at ~220 creates/s beside two argon2id threads: autocannon used 0.26 ms of CPU per
 * response (it rebuilds every request through `setupRequest`, and keeps its own histograms and
 * timers), this loop 0.10 ms.
 *
 * It speaks only what the phase needs: one request in flight per connection, every reply framed
 * by Content-Length (Fastify frames every JSON reply that way). Anything else fails the phase.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface BareRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface BareLoadPlan {
  origin: string;
  connections: number;
  /** Stops sending after this many requests, or once this many ms have passed. */
  bound: { amount: number } | { durationMs: number };
  /** The next request on connection number `connection` (0 … connections − 1; a reconnection keeps its number). */
  next(connection: number): BareRequest;
  timeoutMs: number;
}

export interface BareLoadResult {
  /** From the first request sent to the last reply received: replies to requests sent before the deadline all count. */
  elapsedMs: number;
  latenciesMs: number[];
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CONNECTION_CLOSE = /\r\nconnection:[ \t]*close/i;
/** A phase that keeps failing is broken, not slow. */
const MAX_ERRORS = 100;

function serialize(request: BareRequest, host: string): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of Object.entries(request.headers)) head += `${name}: ${value}\r\n`;
  const body = request.body ?? '';
  return `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export function runBareLoad(plan: BareLoadPlan): Promise<BareLoadResult> {
  const { hostname, port, host } = new URL(plan.origin);
  const result: BareLoadResult = { elapsedMs: 0, latenciesMs: [], statusCounts: {}, errors: 0, timeouts: 0 };
  const started = performance.now();
  let sent = 0;
  let lastReplyAt = started;
  const mayStart = () =>
    'amount' in plan.bound ? sent < plan.bound.amount : performance.now() - started < plan.bound.durationMs;

  return new Promise<BareLoadResult>((resolve, reject) => {
    let open = 0;
    let failed = false;
    const sockets = new Set<net.Socket>();
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const socket of sockets) socket.destroy();
      reject(error);
    };
    const finished = () => {
      open--;
      if (open === 0 && !failed) {
        result.elapsedMs = lastReplyAt - started;
        resolve(result);
      }
    };

    const connection = (index: number) => {
      open++;
      const socket = net.connect(Number(port), hostname);
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.setTimeout(plan.timeoutMs);
      let buffered: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let inFlight = false;
      let done = false;
      const close = (reconnect: boolean) => {
        if (done) return;
        done = true;
        sockets.delete(socket);
        socket.destroy();
        if (reconnect && mayStart() && !failed) connection(index);
        finished();
      };
      const send = () => {
        if (!mayStart() || failed) return close(false);
        sent++;
        inFlight = true;
        sentAt = performance.now();
        socket.write(serialize(plan.next(index), host));
      };
      const lost = (timedOut: boolean) => {
        if (done) return;
        if (inFlight) {
          if (timedOut) result.timeouts++;
          else result.errors++;
        }
        if (result.errors + result.timeouts > MAX_ERRORS) fail(new Error(`more than ${MAX_ERRORS} failed requests to ${plan.origin}`));
        close(true);
      };
      socket.on('connect', send);
      socket.on('timeout', () => lost(true));
      socket.on('error', () => lost(false));
      socket.on('close', () => lost(false));
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const headerEnd = buffered.indexOf(HEADER_END);
        if (headerEnd < 0) return;
        const head = buffered.toString('latin1', 0, headerEnd);
        const length = CONTENT_LENGTH.exec(head)?.[1];
        if (length === undefined) return fail(new Error(`reply without Content-Length from ${plan.origin}: ${head.split('\r\n', 1)[0] ?? ''}`));
        const end = headerEnd + HEADER_END.length + Number(length);
        if (buffered.length < end) return;
        if (buffered.length > end) return fail(new Error(`${plan.origin} sent bytes after a complete reply`));
        lastReplyAt = performance.now();
        inFlight = false;
        buffered = Buffer.alloc(0);
        const status = head.slice(9, 12);
        result.statusCounts[status] = (result.statusCounts[status] ?? 0) + 1;
        if (status.startsWith('2')) result.latenciesMs.push(lastReplyAt - sentAt);
        if (CONNECTION_CLOSE.test(head)) close(true);
        else send();
      });
    };

    for (let i = 0; i < plan.connections; i++) connection(i);
  });
}
