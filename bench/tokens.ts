/**
 * Tokens bench: how fast Gatehouse mints session tokens, and how fast an app verifies them,
 * each against the raw RSA-2048 RS256 operation measured in the same run on the same machine.
 *
 *   (a) mint: `POST /v1/sessions/{id}/tokens` (a session with an active organization, so the org
 *       claims are computed), 32 connections (a setting) for N s, from a load generator in a child
 *       process → tokens/s. Reference: node:crypto `sign('sha256', signingInput, key)` with the
 *       server's own key over a real token's signing input, in the server's process, for the same
 *       N s, two ways: (1) synchronous, in a loop on the main thread (one core: what one Node
 *       process gets if signing stays on its event loop); (2) asynchronous (callback form, so on
 *       libuv's thread pool) with the same number in flight as the load has connections (what
 *       this one process can sign at most, as the server's jose/WebCrypto signing also runs on
 *       the thread pool). Target: tokens/s ≥ 0.6 × the larger of the two.
 *   (b) verify: `verifyToken(jwt, { secretKey, apiUrl })` from @clerk/backend, one call after
 *       another in a loop (JWKS fetched by a first call and cached, as in a long-lived app) →
 *       verifications/s, against node:crypto `verify('sha256', …)` of the same token with the
 *       same public key in a synchronous loop, for the same N s. Reported with no target (the
 *       issue asks only to quote it): it measures Clerk's SDK, which Gatehouse does not control,
 *       and it runs once, not per store.
 *   To read a miss by, each store also prints the server CPU spent per minted token under load
 *   and the one-at-a-time cost of signing alone, of the domain call and of the HTTP round trip.
 *   (c) ceiling: the same load against two servers that do only part of the work (see
 *       lib/tokens/ceiling-servers.ts), once, against the thread-pool reference measured again beside
 *       them: node:http + node:crypto signing (what any Node server can mint on this machine),
 *       and Fastify + a bearer-key check + Gatehouse's signing (signClaims) with no store (what
 *       the stack Gatehouse is built on allows). Reported, no target: a target above them cannot
 *       be met by Gatehouse's own work, whatever it does.
 *
 * Stores: SQLite in a temp dir, then PostgreSQL in a throwaway database when reachable
 * (GATEHOUSE_BENCH_DATABASE_URL, default postgres://root@127.0.0.1:5432/test; loopback only).
 * Settings: GATEHOUSE_BENCH_TOKEN_SECONDS (10) per phase, GATEHOUSE_BENCH_TOKEN_CONNECTIONS (32),
 * GATEHOUSE_BENCH_STORES (sqlite,postgresql), GATEHOUSE_BENCH_QUIET_WAIT: seconds each phase may
 * wait for other processes to go quiet (60).
 */
import { signingKeysFor } from '../packages/server/src/server.js';
import { forEachStore, jsonSettings, log, machineInfo, machineText, storeVersion, writeResults } from './lib/bench-run.js';
import { contended, coresText, quietGate, UNRELIABLE, type Contention } from './lib/contention.js';
import { startInProcessServer } from './lib/in-process-server.js';
import { failedRequests, non2xxCounts, runLoad } from './lib/load.js';
import { fmt, summarize, type LatencySummary } from './lib/stats.js';
import type { ThrowawayStore } from './lib/throwaway-store.js';
import { benchCeiling, type CeilingResult, type FirstServer } from './lib/tokens/ceiling-phase.js';
import { createFixture } from './lib/tokens/fixture.js';
import { timeMintSteps, type Breakdown } from './lib/tokens/mint-breakdown.js';
import { measured, signLoopAsync, signLoopSync, type Rate } from './lib/raw-rates.js';
import { readSettings, type Settings } from './lib/tokens/settings.js';
import { benchVerify, type VerifyResult } from './lib/tokens/verify-phase.js';

const TARGET_RATIO = 0.6;

interface MintResult {
  connections: number;
  seconds: number;
  tokens: number;
  perSecond: number;
  latency: LatencySummary;
  non2xx: Record<string, number>;
  errors: number;
  contention: Contention;
}

interface StoreResult {
  store: string;
  version: string;
  mint: MintResult;
  breakdown: Breakdown;
  signSync: Rate;
  signAsync: Rate;
  reference: 'signSync' | 'signAsync';
  ratio: number;
  pass: boolean;
  contended: boolean;
}

async function benchStore(target: ThrowawayStore, settings: Settings, oncePhases: (first: FirstServer) => Promise<void>): Promise<StoreResult> {
  log(`\n=== ${target.label} (${target.note}) ===`);
  const { config, server, secret } = await startInProcessServer(target);
  try {
    const version = await storeVersion(server.store);
    const fixture = await createFixture(server, secret);
    const serverPids = async () => [process.pid, ...(await target.backendPids())];
    log(`${version}; server ${server.url}; preflight token verified (sid ${fixture.sessionId}, org ${fixture.organizationId})`);

    // (a) mint over HTTP
    const before = await quietGate(serverPids, settings.quietWaitSeconds);
    const load = await runLoad(
      {
        origin: server.url,
        secretKey: secret,
        connections: settings.connections,
        durationSeconds: settings.seconds,
        warmupRequests: 500,
        source: { kind: 'post', path: `/v1/sessions/${fixture.sessionId}/tokens` },
      },
      serverPids,
    );
    const mint: MintResult = {
      connections: settings.connections,
      seconds: load.elapsedMs / 1000,
      tokens: load.ok,
      perSecond: load.ok / (load.elapsedMs / 1000),
      latency: summarize(load.latenciesMs),
      non2xx: non2xxCounts(load),
      errors: load.errors + load.timeouts,
      contention: { before, cpu: load.cpu },
    };
    const non2xx = failedRequests(mint);
    log(
      `  mint POST /v1/sessions/{id}/tokens: ${mint.tokens} in ${fmt(mint.seconds)} s = ${fmt(mint.perSecond)} tokens/s at ${mint.connections} connections ` +
        `(p50 ${fmt(mint.latency.p50, 1)} ms, p95 ${fmt(mint.latency.p95, 1)} ms, p99 ${fmt(mint.latency.p99, 1)} ms; non-2xx/errors ${non2xx}; cores srv/cli/other ${coresText(mint.contention)})`,
    );

    // Raw RS256 with the server's own key over a real token's signing input.
    const keys = await signingKeysFor(config, server.store);
    const { privateKey } = await keys.signingKey();
    const [h, p] = fixture.jwt.split('.');
    const signingInput = Buffer.from(`${h}.${p}`);
    const sync = await measured('node:crypto sign, sync loop, main thread', 1, serverPids, settings.quietWaitSeconds, () =>
      signLoopSync(privateKey, signingInput, settings.seconds),
    );
    const async_ = await measured(`node:crypto sign, callback (thread pool), ${settings.connections} in flight`, settings.connections, serverPids, settings.quietWaitSeconds, () =>
      signLoopAsync(privateKey, signingInput, settings.seconds, settings.connections),
    );
    for (const r of [sync, async_]) {
      log(`  raw RS256 ${r.label}: ${r.operations} in ${fmt(r.seconds)} s = ${fmt(r.perSecond)} signatures/s (cores own/other ${fmt(r.contention.cpu.server, 2)}/${fmt(r.contention.cpu.other, 2)}${contended(r.contention) ? '*' : ''})`);
    }
    const costs: Breakdown = {
      serverCpuMsPerToken: (mint.contention.cpu.server * 1000) / mint.perSecond,
      rawSignCpuMs: (sync.contention.cpu.server * 1000) / sync.perSecond,
      inProcessP50Ms: await timeMintSteps(config, server, secret, keys, fixture),
    };
    const p50 = costs.inProcessP50Ms;
    log(
      `  cost per token: server CPU ${fmt(costs.serverCpuMsPerToken, 2)} ms under load vs ${fmt(costs.rawSignCpuMs, 2)} ms per raw signature; ` +
        `one at a time (p50): signClaims ${fmt(p50.signClaims, 2)} ms, mintSessionToken ${fmt(p50.mintSessionToken, 2)} ms, HTTP mint from this process ${fmt(p50.httpMint, 2)} ms`,
    );
    const reference = async_.perSecond >= sync.perSecond ? 'signAsync' : 'signSync';
    const referenceRate = Math.max(sync.perSecond, async_.perSecond);
    const ratio = mint.perSecond / referenceRate;
    const isContended = contended(mint.contention) || contended(sync.contention) || contended(async_.contention);
    const result: StoreResult = {
      store: target.label,
      version,
      mint,
      breakdown: costs,
      signSync: sync,
      signAsync: async_,
      reference,
      ratio,
      pass: ratio >= TARGET_RATIO && non2xx === 0,
      contended: isContended,
    };
    log(
      `  ${result.pass ? 'PASS' : 'MISS'}  (a) mint ≥ ${TARGET_RATIO} × raw signatures/s: ${fmt(mint.perSecond)} / ${fmt(referenceRate)} (${reference === 'signAsync' ? 'thread pool' : 'sync loop'}) = ${fmt(ratio, 2)}` +
        `; vs sync loop ${fmt(mint.perSecond / sync.perSecond, 2)}, vs thread pool ${fmt(mint.perSecond / async_.perSecond, 2)}` +
        `${isContended ? UNRELIABLE : ''}`,
    );

    await oncePhases({ config, server, secret, fixture, keys, privateKey });
    return result;
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------

export async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = new Date();
  const machine = machineInfo();
  log(`tokens bench — ${machineText(machine)}; ${settings.seconds} s per phase, ${settings.connections} connections`);

  let verify: VerifyResult | undefined;
  let ceiling: CeilingResult | undefined;
  const oncePhases = async (first: FirstServer) => {
    if (verify) return;
    verify = await benchVerify(first.server, first.secret, first.fixture, settings);
    ceiling = await benchCeiling(first, settings);
  };
  const results = await forEachStore(settings.stores, settings.databaseUrl, (target) => benchStore(target, settings, oncePhases));

  const measuredStores = results.filter((r): r is StoreResult => 'mint' in r);
  log('\nsummary');
  for (const r of measuredStores) {
    log(`  ${r.pass ? 'PASS' : 'MISS'}  (a) ${r.store}: mint/raw sign = ${fmt(r.ratio, 2)} (target ≥ ${TARGET_RATIO})${r.contended ? ' *' : ''}`);
  }
  if (verify) log(`        (b) verifyToken/raw verify = ${fmt(verify.ratio, 2)} (reported, no target)${verify.contended ? ' *' : ''}`);
  for (const row of ceiling?.rows ?? []) log(`        (c) ceiling, ${row.label}: ${fmt(row.ratio, 2)}${ceiling?.contended ? ' *' : ''}`);

  // Latency samples are summarized above; the raw arrays would only bloat the file.
  writeResults('tokens', startedAt, { machine, settings: jsonSettings(settings), targetRatio: TARGET_RATIO, results, verify, ceiling });
}
