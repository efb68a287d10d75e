/** The refresh bench's settings, from the environment. */
import { uvThreadpoolSize } from '../bench-run.js';
import { databaseUrlSetting, intSetting, storesSetting } from '../settings.js';

export interface Settings {
  /** Browsers signed in, each refreshing on a connection of its own. */
  browsers: number;
  seconds: number;
  warmupSeconds: number;
  signInConnections: number;
  /** Sign-in windows; raw argon2id windows come before, between and after them. */
  signInRounds: number;
  databaseUrl: string;
  stores: Set<string>;
  quietWaitSeconds: number;
}

export function readSettings(): Settings {
  return {
    browsers: intSetting('GATEHOUSE_BENCH_REFRESH_CONNECTIONS', 200, 1, 2000),
    seconds: intSetting('GATEHOUSE_BENCH_REFRESH_SECONDS', 10, 1, 120),
    // Each phase's code path is cold until V8 has optimized it (see the users bench's warm-ups).
    warmupSeconds: intSetting('GATEHOUSE_BENCH_REFRESH_WARMUP_SECONDS', 5, 0, 120),
    // Four per libuv thread, as the users bench's creates: argon2id must keep every thread busy
    // while other sign-ins are parsing, querying or replying.
    signInConnections: intSetting('GATEHOUSE_BENCH_SIGN_IN_CONNECTIONS', uvThreadpoolSize() * 4, 1, 1000),
    signInRounds: intSetting('GATEHOUSE_BENCH_SIGN_IN_ROUNDS', 2, 1, 20),
    databaseUrl: databaseUrlSetting(),
    stores: storesSetting(),
    quietWaitSeconds: intSetting('GATEHOUSE_BENCH_QUIET_WAIT', 60, 0, 3600),
  };
}
