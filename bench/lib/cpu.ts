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
function machineBusySeconds(): number {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU-seconds (user + system, all threads) a process has used; 0 once it is gone. */
function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : 0;
}

/** The fields of /proc/<pid>/stat after the command name, which may contain spaces and parentheses. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function parentOf(pid: number): number | undefined {
  const ppid = Number(statFields(pid)?.[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/**
 * A parent whose exited children count as ours. PostgreSQL runs parts of a large query (a broad
 * search's count) in parallel worker processes that live for that one query: gone before the
 * next snapshot, their CPU read as other processes' (0.3-0.5 cores "other" on that row, which was
 * then marked unreliable). Once a child has exited and been reaped, Linux adds its CPU to the
 * parent's cutime and cstime, so the postmaster's totals see every one of them.
 */
let reaper: number | undefined;

export function countExitedChildrenOf(pid: number | undefined): void {
  reaper = pid;
}

export interface CpuSnapshot {
  at: number;
  machine: number;
  own: Map<number, number>;
  /** The reaper's exited children's CPU-seconds, and which of `own` are its children. */
  reaped?: { seconds: number; children: Set<number> };
}

export function snapshot(ownPids: readonly number[]): CpuSnapshot {
  const own = new Map(ownPids.map((pid) => [pid, processCpuSeconds(pid)]));
  const fields = reaper === undefined ? undefined : statFields(reaper);
  if (!fields) return { at: performance.now(), machine: machineBusySeconds(), own };
  const seconds = (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  const children = new Set(ownPids.filter((pid) => parentOf(pid) === reaper));
  return { at: performance.now(), machine: machineBusySeconds(), own, reaped: { seconds, children } };
}

/** Average cores in use between two snapshots: by the listed processes, and by everything else. */
export function coresBetween(a: CpuSnapshot, b: CpuSnapshot, extraOwnSeconds = 0): { own: number; foreign: number; machine: number } {
  const seconds = (b.at - a.at) / 1000;
  let own = extraOwnSeconds;
  // A process that exited in between reads as 0 afterwards (an idle pooled PostgreSQL backend
  // being closed, say); its unseen last moments are dropped rather than counted as negative,
  // unless it was the reaper's child (below). One that started in between counts from 0: all its
  // CPU fell inside the window.
  for (const [pid, after] of b.own) own += Math.max(0, after - (a.own.get(pid) ?? 0));
  if (a.reaped && b.reaped) {
    // A listed child that exited in between is in the reaped total with its whole life's CPU;
    // what it used before the first snapshot is not this window's.
    let reaped = b.reaped.seconds - a.reaped.seconds;
    for (const pid of a.reaped.children) if (!(b.own.get(pid) ?? 0)) reaped -= a.own.get(pid) ?? 0;
    own += Math.max(0, reaped);
  }
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
