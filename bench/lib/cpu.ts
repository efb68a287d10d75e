/**
 * Who used the CPU during a measurement. The bench shares its cores with whatever else runs on
 * the machine (test suites, other servers); a latency measured while another process held a
 * core is not the server's latency. Linux /proc only; elsewhere every figure is NaN and the
 * quiet gate lets measurements through.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

// USER_HZ: the unit of /proc/stat and /proc/<pid>/stat. 100 on every mainstream Linux build.
const TICKS_PER_SECOND = 100;

/** CPU-seconds the whole machine has been busy since boot, counting steal (a core we could not have). */
export function machineBusySeconds(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU-seconds (user + system, all threads) a process has used; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export interface CpuSnapshot {
  at: number;
  machine: number;
  own: Map<number, number>;
}

export function snapshot(ownPids: readonly number[]): CpuSnapshot {
  return { at: performance.now(), machine: machineBusySeconds(), own: new Map(ownPids.map((pid) => [pid, processCpuSeconds(pid)])) };
}

/** Average cores in use between two snapshots: by the listed processes, and by everything else. */
export function coresBetween(a: CpuSnapshot, b: CpuSnapshot, extraOwnSeconds = 0): { own: number; foreign: number; machine: number } {
  const seconds = (b.at - a.at) / 1000;
  let own = extraOwnSeconds;
  // A process that exited in between reads as 0 afterwards (an idle pooled PostgreSQL backend
  // being closed, say); its unseen last moments are dropped rather than counted as negative.
  // One that started in between counts from 0: all its CPU fell inside the window.
  for (const [pid, after] of b.own) own += Math.max(0, after - (a.own.get(pid) ?? 0));
  const machine = (b.machine - a.machine) / seconds;
  return { own: own / seconds, foreign: Math.max(0, machine - own / seconds), machine };
}

/**
 * Waits (bounded) until processes other than ours use less than `maxForeignCores` over a one
 * second sample. Returns the last sample's foreign load and how long it waited.
 */
export async function waitForQuiet(
  ownPids: () => Promise<readonly number[]>,
  options: { maxForeignCores: number; maxWaitSeconds: number },
): Promise<{ foreignCores: number; waitedSeconds: number }> {
  const started = performance.now();
  for (;;) {
    const a = snapshot(await ownPids());
    await sleep(1000);
    const { foreign } = coresBetween(a, snapshot(await ownPids()));
    const waitedSeconds = (performance.now() - started) / 1000;
    if (!(foreign >= options.maxForeignCores) || waitedSeconds >= options.maxWaitSeconds) return { foreignCores: foreign, waitedSeconds };
  }
}
