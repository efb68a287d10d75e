/** The tokens bench's settings, from the environment. */
import { databaseUrlSetting, intSetting, storesSetting } from '../settings.js';

export interface Settings {
  seconds: number;
  connections: number;
  databaseUrl: string;
  stores: Set<string>;
  quietWaitSeconds: number;
}

export function readSettings(): Settings {
  return {
    seconds: intSetting('GATEHOUSE_BENCH_TOKEN_SECONDS', 10, 1, 120),
    // A rate is measured at saturation. On the 2-core machine, 4 connections (2 per core) left a
    // quarter of the CPU idle while requests waited on each other's round trips: the mint rate was
    // 1,900/s there, 2,430/s at 16, 2,510/s at 32 and 2,570/s at 64.
    connections: intSetting('GATEHOUSE_BENCH_TOKEN_CONNECTIONS', 32, 1, 1000),
    databaseUrl: databaseUrlSetting(),
    stores: storesSetting(),
    quietWaitSeconds: intSetting('GATEHOUSE_BENCH_QUIET_WAIT', 60, 0, 3600),
  };
}
