/**
 * Child side of load.ts: receives LoadPlans over IPC, runs each one's warm-up and then its measured
 * phase with autocannon or the bare loop, and replies with the raw latencies.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { runBareLoad, type BareRequest } from './bare-load.js';
import type { ChildMessage, ChildReply, LoadPlan, LoadResult, RequestSource } from './load.js';
import { FIRST_NAMES, LAST_NAMES, PASSPHRASE_WORDS } from './user-data.js';

const TIMEOUT_SECONDS = 30;

function randomItem<T>(items: readonly T[]): T {
  const item = items[randomInt(items.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
}

/** Four distinct words: a repeated word would trip the server's repetition check. */
function passphrase(): string {
  const words = new Set<string>();
  while (words.size < 4) words.add(randomItem(PASSPHRASE_WORDS));
  return [...words].join(' ');
}

/** A source as a generator of requests, each one fresh (a new address, name or pick), by connection number. */
function requestsOf(source: RequestSource, auth: string): (connection: number) => BareRequest {
  const json = { authorization: auth, 'content-type': 'application/json' };
  if (source.kind === 'post') return () => ({ method: 'POST', path: source.path, headers: json, body: '{}' });
  if (source.kind === 'fapi-refresh') {
    // Built once per browser: the request is the same every time, as a browser's refresh is.
    const requests = source.browsers.map(
      (b): BareRequest => ({ method: 'POST', path: `/fapi/v1/client/sessions/${b.sessionId}/tokens`, headers: { origin: source.origin, cookie: b.cookie }, body: '' }),
    );
    return (connection) => requests[connection % requests.length] ?? randomItem(requests);
  }
  if (source.kind === 'fapi-sign-in') {
    const form = { origin: source.origin, 'content-type': 'application/x-www-form-urlencoded' };
    const password = encodeURIComponent(source.password);
    return () => ({
      method: 'POST',
      path: '/fapi/v1/client/sign_ins',
      headers: form,
      body: `identifier=${encodeURIComponent(randomItem(source.identifiers))}&password=${password}&strategy=password`,
    });
  }
  if (source.kind === 'pick') return () => ({ method: 'GET', path: randomItem(source.paths), headers: { authorization: auth } });
  // A counter shared by every connection of this process plus a per-phase nonce keeps each
  // address (or name) unique across warm-up, measurement and repeated runs.
  let next = 0;
  const nonce = randomBytes(3).toString('hex');
  if (source.kind === 'update-users') {
    return () => ({
      method: 'PATCH',
      path: `/v1/users/${randomItem(source.userIds)}`,
      headers: json,
      // A name never used before, so every update changes the user and appends an event.
      body: JSON.stringify({ first_name: `${randomItem(FIRST_NAMES)}-${nonce}-${next++}` }),
    });
  }
  return () => ({
    method: 'POST',
    path: '/v1/users',
    headers: json,
    body: JSON.stringify({
      email_address: [`load.${source.runTag}.${nonce}.${next++}@bench.example.com`],
      password: passphrase(),
      first_name: randomItem(FIRST_NAMES),
      last_name: randomItem(LAST_NAMES),
    }),
  });
}

function autocannonRequest(source: RequestSource, auth: string): autocannon.Request {
  if (source.kind === 'fapi-refresh' || source.kind === 'fapi-sign-in') throw new Error(`${source.kind} runs with the bare client only`);
  const next = requestsOf(source, auth);
  // One fixed request autocannon builds once; a varying one it rebuilds before every send.
  if (source.kind === 'post') return next(0);
  const { method, path } = next(0);
  return { method, path, setupRequest: (request) => ({ ...request, ...next(0) }) };
}

async function phase(plan: LoadPlan, bound: { amount: number } | { duration: number }, onStart?: () => void): Promise<LoadResult> {
  const auth = `Bearer ${plan.secretKey}`;
  onStart?.();
  const cpuAtStart = process.cpuUsage();
  const result = plan.client === 'bare' ? await bareLoad(plan, bound, auth) : await autocannonLoad(plan, bound, auth);
  const cpu = process.cpuUsage(cpuAtStart);
  return { ...result, ok: result.latenciesMs.length, clientCpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

type PhaseResult = Omit<LoadResult, 'ok' | 'clientCpuSeconds'>;

async function bareLoad(plan: LoadPlan, bound: { amount: number } | { duration: number }, auth: string): Promise<PhaseResult> {
  return runBareLoad({
    origin: plan.origin,
    connections: plan.connections,
    bound: 'amount' in bound ? bound : { durationMs: bound.duration * 1000 },
    next: requestsOf(plan.source, auth),
    timeoutMs: TIMEOUT_SECONDS * 1000,
  });
}

async function autocannonLoad(plan: LoadPlan, bound: { amount: number } | { duration: number }, auth: string): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: plan.origin,
        connections: plan.connections,
        ...bound,
        timeout: TIMEOUT_SECONDS,
        headers: { authorization: auth },
        requests: [autocannonRequest(plan.source, auth)],
      },
      (error: Error | null, res: autocannon.Result) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const key = String(statusCode);
      statusCounts[key] = (statusCounts[key] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
    });
    instance.on('reqError', () => {
      errors++;
    });
  });
  return {
    elapsedMs: performance.now() - started,
    statusCounts,
    errors,
    timeouts: result.timeouts,
    latenciesMs,
    autocannon: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
  };
}

// Plans arrive one at a time (the parent sends the next only after this one's reply); the child
// exits when the parent disconnects.
process.on('message', (message: LoadPlan) => {
  void (async () => {
    let reply: ChildReply;
    try {
      if (message.warmupRequests > 0) await phase(message, { amount: message.warmupRequests });
      const bound = message.amount !== undefined ? { amount: message.amount } : { duration: message.durationSeconds };
      const started: ChildMessage = { type: 'started' };
      reply = { ok: true, result: await phase(message, bound, () => process.send?.(started)) };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    const done: ChildMessage = { type: 'done', reply };
    process.send?.(done);
  })();
});
