/** Where a minted token's time goes, to read a MISS by. */
import { performance } from 'node:perf_hooks';
import { decodeJwt } from 'jose';
import type { Config } from '../../../packages/server/src/config.js';
import { mintSessionToken, signClaims } from '../../../packages/server/src/domain/sessions/session-token.js';
import type { SigningKeys } from '../../../packages/server/src/domain/sessions/signing-keys.js';
import { domainContextFor, type RunningServer } from '../../../packages/server/src/server.js';
import { summarize } from '../stats.js';
import { bapi, type Fixture } from './fixture.js';

export interface Breakdown {
  /** Server CPU (this process plus PostgreSQL backends) per minted token during the load. */
  serverCpuMsPerToken: number;
  /** CPU per raw signature in the sync loop. */
  rawSignCpuMs: number;
  /** Median wall time of one call, one at a time, with the server otherwise idle: signing alone, the domain call, and the whole HTTP round trip (client in this process). */
  inProcessP50Ms: { signClaims: number; mintSessionToken: number; httpMint: number };
}

/** Median wall time of `call` made one at a time for `seconds`, after 50 unmeasured calls. */
async function timeEach(seconds: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await call();
  const samples: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return summarize(samples).p50;
}

export async function timeMintSteps(config: Config, server: RunningServer, secret: string, keys: SigningKeys, fixture: Fixture): Promise<Breakdown['inProcessP50Ms']> {
  const ctx = domainContextFor(config, server.store, { signingKeys: keys });
  const claims = decodeJwt(fixture.jwt);
  return {
    signClaims: await timeEach(2, () => signClaims(ctx, claims, 60)),
    mintSessionToken: await timeEach(2, () => mintSessionToken(ctx, fixture.sessionId)),
    httpMint: await timeEach(2, () => bapi(server, secret, 'POST', `/v1/sessions/${fixture.sessionId}/tokens`, {})),
  };
}
