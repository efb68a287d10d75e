/**
 * Webhooks bench: how far behind the writes webhook delivery runs when the store is written as
 * fast as it can be.
 *
 * One in-process server (dispatcher included) per store; a receiver in its own process that
 * answers 204 at once and timestamps each first receipt; user updates (`PATCH /v1/users/{id}`, a
 * new first name each time, so each one commits a `user.updated` event) from autocannon in a
 * child process, C connections for N seconds — the store's write rate, not a chosen rate. The
 * endpoint subscribes to `user.updated` only.
 *
 * Printed per store: updates/s, events, deliveries received (unique svix-ids) and duplicates,
 * the lag from the event's commit (its timestamp, set in the committing transaction) to its
 * receipt — p50, p95, p99, max — and how long after the last write the last delivery arrived.
 * There is no target; the lag is reported.
 *
 * Settings: GATEHOUSE_BENCH_WEBHOOK_SECONDS (10), GATEHOUSE_BENCH_WEBHOOK_CONNECTIONS (8),
 * GATEHOUSE_BENCH_STORES (sqlite,postgresql), GATEHOUSE_BENCH_DATABASE_URL.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RunningServer } from '../packages/server/src/server.js';
import { startInProcessServer } from './lib/in-process-server.js';
import { runLoad } from './lib/load.js';
import { databaseUrlSetting, intSetting, storesSetting } from './lib/settings.js';
import { fmt, summarize, table, type LatencySummary } from './lib/stats.js';
import type { ThrowawayStore } from './lib/throwaway-store.js';
import { forEachStore, log, machineInfo, writeResults } from './lib/bench-run.js';
import type { ReceiverMessage, ReceiverRequest } from './lib/webhook-receiver-child.js';

const SEEDED_USERS = 200;
const DRAIN_LIMIT_MS = 180_000;

interface StoreResult {
  store: string;
  updatesPerSecond: number;
  loadSeconds: number;
  events: number;
  delivered: number;
  duplicates: number;
  succeededInStore: number;
  lagMs: LatencySummary;
  drainAfterLoadMs: number;
  serverCores: number;
}

class ReceiverProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static start(): Promise<ReceiverProcess> {
    const child = fork(fileURLToPath(new URL('./lib/webhook-receiver-child.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('message', (m: ReceiverMessage) => (m.type === 'listening' ? resolve(new ReceiverProcess(child, m.port)) : reject(new Error('unexpected receiver message'))));
      child.once('error', reject);
    });
  }

  report(): Promise<Extract<ReceiverMessage, { type: 'report' }>> {
    return new Promise((resolve) => {
      this.child.once('message', (m: ReceiverMessage) => {
        if (m.type === 'report') resolve(m);
      });
      const request: ReceiverRequest = { type: 'report' };
      this.child.send(request);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      const request: ReceiverRequest = { type: 'stop' };
      this.child.send(request);
    });
  }
}

async function api<T>(server: RunningServer, secret: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function benchStore(target: ThrowawayStore, seconds: number, connections: number): Promise<StoreResult> {
  log(`\n${target.label}: ${target.note}`);
  const receiver = await ReceiverProcess.start();
  const { server, secret } = await startInProcessServer(target, { GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: '1' });
  try {
    const userIds: string[] = [];
    for (let i = 0; i < SEEDED_USERS; i += 20) {
      const batch = Array.from({ length: 20 }, (_, j) =>
        api<{ id: string }>(server, secret, 'POST', '/v1/users', { email_address: [`hook${i + j}@bench.example.com`], skip_password_requirement: true }),
      );
      for (const user of await Promise.all(batch)) userIds.push(user.id);
    }
    const endpoint = await api<{ id: string }>(server, secret, 'POST', '/v1/webhook_endpoints', { url: `http://127.0.0.1:${receiver.port}/hook`, events: ['user.updated'] });

    const load = await runLoad(
      { origin: server.url, secretKey: secret, connections, durationSeconds: seconds, warmupRequests: 200, source: { kind: 'update-users', userIds } },
      async () => [process.pid, ...(await target.backendPids())],
    );
    const loadEnded = Date.now();
    const row = await server.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('type', '=', 'user.updated')
      .executeTakeFirstOrThrow();
    const events = Number(row.n);
    log(`  ${load.ok.toLocaleString('en-US')} updates in ${fmt(load.elapsedMs / 1000)} s (${fmt(load.ok / (load.elapsedMs / 1000), 0)}/s, plus warm-up); ${events.toLocaleString('en-US')} user.updated events; draining…`);

    let report = await receiver.report();
    const deadline = Date.now() + DRAIN_LIMIT_MS;
    while (report.lagsMs.length < events && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      report = await receiver.report();
    }
    const succeeded = await server.store.db
      .selectFrom('webhook_deliveries' as never)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('endpoint_id' as never, '=', endpoint.id as never)
      .where('status' as never, '=', 'succeeded' as never)
      .executeTakeFirstOrThrow();
    return {
      store: target.label,
      updatesPerSecond: load.ok / (load.elapsedMs / 1000),
      loadSeconds: load.elapsedMs / 1000,
      events,
      delivered: report.lagsMs.length,
      duplicates: report.duplicates,
      succeededInStore: Number((succeeded as { n: number | string }).n),
      lagMs: summarize(report.lagsMs),
      drainAfterLoadMs: Math.max(0, report.lastAt - loadEnded),
      serverCores: load.cpu.server,
    };
  } finally {
    await server.close();
    await receiver.stop();
  }
}

export async function main(): Promise<void> {
  const seconds = intSetting('GATEHOUSE_BENCH_WEBHOOK_SECONDS', 10, 1, 600);
  const connections = intSetting('GATEHOUSE_BENCH_WEBHOOK_CONNECTIONS', 8, 1, 256);
  const stores = storesSetting();
  const startedAt = new Date();
  log(`webhooks bench — user updates at the store's write rate (${connections} connections, ${seconds} s), one endpoint on user.updated; ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, Node ${process.version}`);

  const results = await forEachStore(stores, databaseUrlSetting(), (target) => benchStore(target, seconds, connections));

  const measured = results.filter((r): r is StoreResult => 'lagMs' in r);
  log(
    `\n${table(
      ['store', 'updates/s', 'events', 'delivered', 'dupes', 'lag p50 ms', 'lag p95 ms', 'lag p99 ms', 'lag max ms', 'last after load ms', 'server cores'],
      measured.map((r) => [
        r.store,
        fmt(r.updatesPerSecond, 0),
        String(r.events),
        `${r.delivered}${r.delivered < r.events ? ` (MISSING ${r.events - r.delivered})` : ''}`,
        String(r.duplicates),
        fmt(r.lagMs.p50, 0),
        fmt(r.lagMs.p95, 0),
        fmt(r.lagMs.p99, 0),
        fmt(r.lagMs.max, 0),
        fmt(r.drainAfterLoadMs, 0),
        fmt(r.serverCores, 2),
      ]),
    )}`,
  );
  for (const r of measured) if (r.succeededInStore !== r.events) log(`${r.store}: the store records ${r.succeededInStore} succeeded deliveries for ${r.events} events`);

  writeResults('webhooks', startedAt, { machine: machineInfo(), settings: { seconds, connections, stores: [...stores] }, results });
}
