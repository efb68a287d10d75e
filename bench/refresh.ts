/**
 * Refresh bench: how fast browsers refresh their session tokens through the Frontend API, against
 * raw RSA-2048 signatures measured in the same run, and what a storm of password sign-ins does to it.
 *
 *   (a) refresh: N browsers (200, a setting), each signed in through `POST /fapi/v1/client/sign_ins`
 *       with its own `__client` cookie and session, refresh with `POST /fapi/v1/client/sessions/{id}/tokens`
 *       on a connection each, closed loop, from a load generator in a child process → tokens/s, p50/p99.
 *       Reference: node:crypto RS256 over a real token's signing input with an RSA-2048 key, in this
 *       process, as a synchronous loop (one core) and on the thread pool with N in flight; the larger
 *       counts. Targets: tokens/s ≥ 0.6 × signatures/s, p99 < 50 ms.
 *   (b) sign-in: the same password sign-in from browsers with no client, 4 per libuv thread, in windows
 *       alternating with raw argon2id checks of the same password against the same digest at the same
 *       number in flight (the server's own `checkStoredPassword`). Target: sign-ins/s ≥ 0.8 × checks/s.
 *   (c) storm: (a) and (b) at once; the refresh p99 while every argon2id thread is busy. Reported.
 *
 * The server is the built `gatehouse` executable in a process of its own, with GATEHOUSE_RATE_LIMITS=off.
 * Stores: SQLite in a temp dir, then PostgreSQL in a throwaway database when reachable
 * (GATEHOUSE_BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/test; loopback only).
 * Settings: GATEHOUSE_BENCH_REFRESH_CONNECTIONS (200), GATEHOUSE_BENCH_REFRESH_SECONDS (10) per phase,
 * GATEHOUSE_BENCH_REFRESH_WARMUP_SECONDS (5), GATEHOUSE_BENCH_SIGN_IN_CONNECTIONS (4 × libuv threads),
 * GATEHOUSE_BENCH_SIGN_IN_ROUNDS (2), GATEHOUSE_BENCH_STORES, GATEHOUSE_BENCH_QUIET_WAIT (60).
 */
import { generateKeyPairSync } from 'node:crypto';
import { forEachStore, jsonSettings, log, machineInfo, machineText, writeResults } from './lib/bench-run.js';
import { contended, coresText } from './lib/contention.js';
import { measured, signLoopAsync, signLoopSync, type Rate } from './lib/raw-rates.js';
import { assertOwnershipChecked, refreshOnce, seedPasswordUsers, signInAll } from './lib/refresh/browsers.js';
import { measureRefreshes, measureSignIns, measureStorm, type Harness, type LoadRow, type SignInResult } from './lib/refresh/phases.js';
import { readSettings, type Settings } from './lib/refresh/settings.js';
import { startServerProcess } from './lib/server-process.js';
import { fmt } from './lib/stats.js';
import type { ThrowawayStore } from './lib/throwaway-store.js';
import { logOverallVerdict, logVerdicts, type Verdict } from './lib/verdicts.js';

const REFRESH_TARGET_RATIO = 0.6;
const REFRESH_TARGET_P99_MS = 50;
const SIGN_IN_TARGET_RATIO = 0.8;

interface StoreResult {
  store: string;
  refresh: LoadRow & { attempts: number };
  signSync: Rate;
  signAsync: Rate;
  refreshRatio: number;
  signIn: SignInResult;
  storm: { refreshes: LoadRow; signIns: LoadRow };
  verdicts: Verdict[];
}

function rowText(label: string, r: LoadRow): string {
  return (
    `  ${label}: ${r.ok} in ${fmt(r.seconds)} s = ${fmt(r.perSecond)}/s at ${r.connections} connections ` +
    `(p50 ${fmt(r.latency.p50, 1)} ms, p99 ${fmt(r.latency.p99, 1)} ms, max ${fmt(r.latency.max, 1)} ms; failed ${r.failed}; cores srv/cli/other ${coresText(r.contention)})`
  );
}

async function rawSignatures(h: Harness, jwt: string): Promise<{ sync: Rate; async: Rate }> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const [header, payload] = jwt.split('.');
  const input = Buffer.from(`${header}.${payload}`);
  const n = h.browsers.length;
  const q = h.settings.quietWaitSeconds;
  const sync = await measured('sync loop, main thread', 1, h.serverPids, q, () => signLoopSync(privateKey, input, h.settings.seconds));
  const async_ = await measured(`thread pool, ${n} in flight`, n, h.serverPids, q, () => signLoopAsync(privateKey, input, h.settings.seconds, n));
  for (const r of [sync, async_]) log(`  raw RS256 (RSA-2048) ${r.label}: ${fmt(r.perSecond)} signatures/s (cores own/other ${fmt(r.contention.cpu.server, 2)}/${fmt(r.contention.cpu.other, 2)})`);
  return { sync, async: async_ };
}

async function benchStore(target: ThrowawayStore, settings: Settings): Promise<StoreResult> {
  log(`\n=== ${target.label} (${target.note}) ===`);
  const { emails, digest } = await seedPasswordUsers(target, settings.browsers);
  const server = await startServerProcess(target, { GATEHOUSE_RATE_LIMITS: 'off' });
  try {
    const browsers = await signInAll(server.url, emails, 8);
    const jwt = await refreshOnce(server.url, server.secretKey, browsers[0]!);
    for (const b of browsers.slice(1)) await refreshOnce(server.url, server.secretKey, b);
    if (browsers.length > 1) await assertOwnershipChecked(server.url, browsers[0]!, browsers[1]!);
    log(`server: gatehouse pid ${server.pid} at ${server.url}; ${browsers.length} browsers signed in, each refresh verified`);
    const serverPids = async () => [process.pid, server.pid, ...(await target.backendPids())];
    const h: Harness = { url: server.url, settings, browsers, digest, serverPids };

    const refresh = await measureRefreshes(h);
    log(rowText('(a) refresh', refresh));
    const raw = await rawSignatures(h, jwt);
    const reference = Math.max(raw.sync.perSecond, raw.async.perSecond);
    const refreshRatio = refresh.perSecond / reference;

    const signIn = await measureSignIns(h);
    log(rowText('(b) sign-in', signIn.signIns));
    log(`  raw argon2id check, ${signIn.verify.concurrency} in flight: ${fmt(signIn.verify.perSecond)}/s (windows ${signIn.verify.parts.map((p) => fmt(p)).join(', ')})`);

    const storm = await measureStorm(h);
    log(rowText('(c) storm: refresh', storm.refreshes));
    log(rowText('(c) storm: sign-in', storm.signIns) + ' (other includes the refresh load generator)');

    const verdicts: Verdict[] = [
      {
        target: `refresh ≥ ${REFRESH_TARGET_RATIO} × raw RS256 signatures/s`,
        measured: `${fmt(refresh.perSecond)} / ${fmt(reference)} = ${fmt(refreshRatio, 2)}`,
        pass: refreshRatio >= REFRESH_TARGET_RATIO && refresh.failed === 0,
        contended: contended(refresh.contention) || contended(raw.sync.contention) || contended(raw.async.contention),
      },
      {
        target: `refresh p99 < ${REFRESH_TARGET_P99_MS} ms at ${refresh.connections} connections`,
        measured: `p99 ${fmt(refresh.latency.p99, 1)} ms (p50 ${fmt(refresh.latency.p50, 1)} ms)`,
        pass: refresh.latency.p99 < REFRESH_TARGET_P99_MS,
        contended: contended(refresh.contention),
      },
      {
        target: `sign-in ≥ ${SIGN_IN_TARGET_RATIO} × raw argon2id checks/s`,
        measured: `${fmt(signIn.signIns.perSecond)} / ${fmt(signIn.verify.perSecond)} = ${fmt(signIn.ratio, 2)}`,
        pass: signIn.ratio >= SIGN_IN_TARGET_RATIO && signIn.signIns.failed === 0,
        contended: contended(signIn.signIns.contention) || contended(signIn.verify.contention),
      },
    ];
    logVerdicts(target.label, verdicts);
    log(`  (reported) refresh p99 during the sign-in storm: ${fmt(storm.refreshes.latency.p99, 1)} ms at ${fmt(storm.refreshes.perSecond)} refreshes/s beside ${fmt(storm.signIns.perSecond)} sign-ins/s`);
    return { store: target.label, refresh, signSync: raw.sync, signAsync: raw.async, refreshRatio, signIn, storm, verdicts };
  } finally {
    await server.close();
  }
}

export async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = new Date();
  const machine = machineInfo();
  log(`refresh bench — ${machineText(machine)}; ${settings.browsers} browsers, ${settings.seconds} s per phase`);
  const results = await forEachStore(settings.stores, settings.databaseUrl, (target) => benchStore(target, settings));
  writeResults('refresh', startedAt, { machine, settings: jsonSettings(settings), results });
  logOverallVerdict(results);
}
