/** (b) of the tokens bench: verification in an app, with Clerk's SDK against raw node:crypto. */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { verifyToken } from '@clerk/backend';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { RunningServer } from '../../../packages/server/src/server.js';
import { log } from '../bench-run.js';
import { contended, UNRELIABLE } from '../contention.js';
import { fmt } from '../stats.js';
import { bapi, type Fixture } from './fixture.js';
import { measured, verifyLoopSync, verifyTokenLoop, type Rate } from '../raw-rates.js';
import type { Settings } from './settings.js';

export interface VerifyResult {
  sdk: Rate;
  raw: Rate;
  ratio: number;
  contended: boolean;
  jwksFetchedBy: string;
}

export async function benchVerify(server: RunningServer, secret: string, fixture: Fixture, settings: Settings): Promise<VerifyResult> {
  const options = { secretKey: secret, apiUrl: server.url };
  // The first call fetches the JWKS; every later one uses @clerk/backend's 5-minute cache.
  await verifyToken(fixture.jwt, options);
  const { keys } = (await bapi(server, secret, 'GET', '/v1/jwks')) as { keys: (JsonWebKey & { kid: string })[] };
  const kid = decodeProtectedHeader(fixture.jwt).kid;
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error('the token kid is not in the JWKS');
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  const [h, p, s] = fixture.jwt.split('.');
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s ?? '', 'base64url');
  // Minted with a one-hour lifetime: it must outlast both phases and their quiet gates.
  if ((decodeJwt(fixture.jwt).exp ?? 0) < Date.now() / 1000 + 2 * (settings.seconds + settings.quietWaitSeconds) + 60) {
    throw new Error('the fixture token would expire during the verification phases');
  }
  const pids = async () => [process.pid];
  const sdk = await measured('verifyToken (@clerk/backend), sequential loop', 1, pids, settings.quietWaitSeconds, () => verifyTokenLoop(fixture.jwt, options, settings.seconds));
  const raw = await measured('node:crypto verify, sync loop', 1, pids, settings.quietWaitSeconds, () => verifyLoopSync(publicKey, data, signature, settings.seconds));
  const ratio = sdk.perSecond / raw.perSecond;
  const result: VerifyResult = {
    sdk,
    raw,
    ratio,
    contended: contended(sdk.contention) || contended(raw.contention),
    jwksFetchedBy: 'the warm-up call only (cache TTL 5 min > phase length)',
  };
  log(`\n(b) verification in an app process (JWKS cached after one warm-up call)`);
  for (const r of [sdk, raw]) {
    log(`  ${r.label}: ${r.operations} in ${fmt(r.seconds)} s = ${fmt(r.perSecond)} verifications/s (cores ${fmt(r.contention.cpu.server, 2)}, other ${fmt(r.contention.cpu.other, 2)}${contended(r.contention) ? '*' : ''})`);
  }
  log(`  (b) verifyToken / raw verifications/s: ${fmt(sdk.perSecond)} / ${fmt(raw.perSecond)} = ${fmt(ratio, 2)} (reported, no target)${result.contended ? UNRELIABLE : ''}`);
  return result;
}
