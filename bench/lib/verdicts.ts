/** Targets met or missed: per store, and one line for the whole run. */
import { log, type Skipped } from './bench-run.js';
import { UNRELIABLE } from './contention.js';

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
  contended: boolean;
}

export function logVerdicts(label: string, verdicts: readonly Verdict[]): void {
  log(`\n${label} targets:`);
  for (const v of verdicts) log(`  ${v.pass ? 'PASS' : 'MISS'}  ${v.target}: ${v.measured}${v.contended ? UNRELIABLE : ''}`);
}

/** The last line of a run: whether every measured store met every target. */
export function logOverallVerdict(results: readonly ({ verdicts: readonly Verdict[] } | Skipped)[]): void {
  const measured = results.filter((r): r is { verdicts: readonly Verdict[] } => 'verdicts' in r);
  const missed = measured.some((r) => r.verdicts.some((v) => !v.pass));
  log(measured.length === 0 ? 'no store was measured' : missed ? 'some targets MISSED (see above)' : 'all targets PASS');
}
