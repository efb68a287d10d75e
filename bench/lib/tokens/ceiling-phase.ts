/** (c) of the tokens bench: what this machine allows before Gatehouse's own work. */
import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Config } from '../../../packages/server/src/config.js';
import { signClaims } from '../../../packages/server/src/domain/sessions/session-token.js';
import type { SigningKeys } from '../../../packages/server/src/domain/sessions/signing-keys.js';
import { domainContextFor, type RunningServer } from '../../../packages/server/src/server.js';
import { log } from '../bench-run.js';
import { startBareSigner, startFrameworkSigner, type CeilingServer } from './ceiling-servers.js';
import { contended, QUIET_CORES, quietGate, UNRELIABLE } from '../contention.js';
import { failedRequests, non2xxCounts, runLoad, type CpuSplit } from '../load.js';
import { fmt } from '../stats.js';
import type { Fixture } from './fixture.js';
import { measured, signLoopAsync, type Rate } from '../raw-rates.js';
import type { Settings } from './settings.js';

/** What the once-per-run phases (verification, ceiling) need from the first store's server. */
export interface FirstServer {
  config: Config;
  server: RunningServer;
  secret: string;
  fixture: Fixture;
  keys: SigningKeys;
  privateKey: KeyObject;
}

interface CeilingRow {
  label: string;
  tokens: number;
  perSecond: number;
  ratio: number;
  cpu: CpuSplit;
}

export interface CeilingResult {
  rows: CeilingRow[];
  reference: Rate;
  contended: boolean;
}

async function loadCeilingServer(label: string, ceiling: CeilingServer, secret: string, settings: Settings): Promise<Omit<CeilingRow, 'ratio'>> {
  try {
    await quietGate(async () => [process.pid], settings.quietWaitSeconds);
    const load = await runLoad(
      { origin: ceiling.url, secretKey: secret, connections: settings.connections, durationSeconds: settings.seconds, warmupRequests: 500, source: { kind: 'post', path: '/tokens' } },
      async () => [process.pid],
    );
    const failed = failedRequests({ non2xx: non2xxCounts(load), errors: load.errors + load.timeouts });
    if (failed > 0) throw new Error(`${label}: ${failed} failed requests`);
    return { label, tokens: load.ok, perSecond: load.ok / (load.elapsedMs / 1000), cpu: load.cpu };
  } finally {
    await ceiling.close();
  }
}

export async function benchCeiling(first: FirstServer, settings: Settings): Promise<CeilingResult> {
  const header = decodeProtectedHeader(first.fixture.jwt) as Record<string, string>;
  const { iat: _iat, nbf: _nbf, exp: _exp, jti: _jti, ...claims } = decodeJwt(first.fixture.jwt);
  const ctx = domainContextFor(first.config, first.server.store, { signingKeys: first.keys });
  const measuredRows = [
    await loadCeilingServer('node:http + node:crypto sign (thread pool); no routing, auth or store', await startBareSigner(first.privateKey, header, claims), first.secret, settings),
    await loadCeilingServer(
      'Fastify + bearer-key check + Gatehouse signing (signClaims); no store',
      await startFrameworkSigner(first.secret, claims, async (c) => (await signClaims(ctx, c, 60)).jwt),
      first.secret,
      settings,
    ),
  ];
  const [h, p] = first.fixture.jwt.split('.');
  const reference = await measured(`node:crypto sign, callback (thread pool), ${settings.connections} in flight`, settings.connections, async () => [process.pid], settings.quietWaitSeconds, () =>
    signLoopAsync(first.privateKey, Buffer.from(`${h}.${p}`), settings.seconds, settings.connections),
  );
  const rows = measuredRows.map((r) => ({ ...r, ratio: r.perSecond / reference.perSecond }));
  const result: CeilingResult = { rows, reference, contended: contended(reference.contention) || rows.some((r) => r.cpu.other >= QUIET_CORES) };
  log(`\n(c) ceiling: the same load against servers that do only part of the work, ${settings.connections} connections`);
  for (const r of rows) {
    log(`  ${r.label}: ${fmt(r.perSecond)} tokens/s = ${fmt(r.ratio, 2)} × raw (cores srv/cli/other ${fmt(r.cpu.server, 2)}/${fmt(r.cpu.client, 2)}/${fmt(r.cpu.other, 2)})`);
  }
  log(`  raw RS256 ${reference.label}: ${fmt(reference.perSecond)} signatures/s${result.contended ? UNRELIABLE : ''}`);
  return result;
}
