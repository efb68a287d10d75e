/** The users bench's printed report for one store. */
import { log } from '../bench-run.js';
import { coresText } from '../contention.js';
import { failedRequests } from '../load.js';
import { readTable, type ReadResult } from '../read-rows.js';
import { fmt } from '../stats.js';
import { logVerdicts, type Verdict } from '../verdicts.js';
import type { CreateResult } from './create-phase.js';
import type { Settings } from './settings.js';

/** A read row, with the plan of its first request's query. */
export type ReadRow = ReadResult & { plan?: { sql: string; lines: string[] } };

export function printStore(label: string, reads: ReadRow[], create: CreateResult, verdicts: Verdict[], settings: Settings): void {
  log(`\n${label} — HTTP on loopback, ${settings.readSeconds} s per row; latencies in ms, exact percentiles of every 2xx response`);
  log(readTable(reads));
  log(
    '  in-proc p50: the same calls through the domain layer in this process, one at a time (service time without HTTP or queueing);\n' +
      '  cores: average CPU in use during the row by the server (incl. PostgreSQL backends), the load generator, and everything else.',
  );
  log(
    `\ncreate POST /v1/users: ${create.created} in ${fmt(create.seconds)} s = ${fmt(create.perSecond)} creates/s at ${create.connections} connections ` +
      `(p50 ${fmt(create.latency.p50, 1)} ms, p95 ${fmt(create.latency.p95, 1)} ms, non-2xx ${failedRequests(create)}), ` +
      `in ${create.windowRates.length} windows (${create.windowRates.map((r) => fmt(r)).join(', ')}), ` +
      `after a warm-up of ${create.warmup.created} in ${fmt(create.warmup.seconds)} s = ${fmt(create.warmup.perSecond)} creates/s`,
  );
  log(
    `raw argon2id (m=19456,t=2,p=1): ${create.hash.hashes} in ${fmt(create.hash.seconds)} s = ${fmt(create.hash.perSecond)} hashes/s at ${create.hash.concurrency} in flight ` +
      `in ${create.hash.parts.length} windows around them (${create.hash.parts.map((r) => fmt(r)).join(', ')}); ` +
      `ratio ${fmt(create.ratio, 2)}`,
  );
  log(
    `create cores ${coresText(create.contention)} (attempts ${create.attempts}), hashing cores ${coresText(create.hash.contention)} (attempts ${create.hash.attempts ?? 1})`,
  );
  const c = create.cost;
  log(
    `CPU per create ${fmt(c.cpuMsPerCreate)} ms = argon2id ${fmt(c.cpuMsPerHash)} ms + everything else ${fmt(c.otherCpuMsPerCreate)} ms ` +
      `(createUser in-process with an imported digest: ${fmt(c.domainWithoutHash.cpuMsPerCreate)} ms CPU, p50 ${fmt(c.domainWithoutHash.p50Ms, 2)} ms); ` +
      `with every core hashing, the ratio tends to ${fmt(c.cpuMsPerHash / c.cpuMsPerCreate, 2)}`,
  );
  logVerdicts(label, verdicts);
  const shown = reads.filter((r) => r.plan && (settings.explainAll || r.target?.pass === false));
  for (const r of shown) {
    log(`\n  plan for ${r.key} (${r.target?.pass === false ? 'missed' : 'requested'}):\n    ${r.plan?.sql}`);
    for (const line of r.plan?.lines ?? []) log(`    ${line}`);
  }
}
