// Reading /proc: CPU ticks, parent pids and proportional set sizes of process trees. Synchronous and
// slow (a readdir of /proc and a file per process; smaps_rollup walks every mapping), so it runs in the
// sampler process (sampler-process.ts) and never on the load generator's event loop while it measures.
import fs from 'node:fs';

/** A process to watch, with all its descendants (PostgreSQL backends, nginx workers). */
export interface WatchedProcess {
  name: string;
  pid: number;
}

/** What one process tree used over a sampling window. */
export interface ProcessUsage {
  name: string;
  pid: number;
  /** CPU time over the window as a percentage of one core (200 = both cores of this machine). */
  cpuPercent: number;
  /** Highest proportional set size seen (shared pages split between sharers), in MiB. */
  peakPssMiB: number;
}

export interface MachineUsage {
  /** Busy time of all cores over the window, as a percentage of one core. */
  busyPercent: number;
  /** Busy time not spent by the watched processes: other work on this shared machine. */
  otherPercent: number;
  cores: number;
}

type Stats = Map<number, { ppid: number; ticks: number }>;

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime+stime (clock ticks) and parent pid of every process, read from /proc/<pid>/stat. */
export function readStats(): Stats {
  const stats: Stats = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(pid, { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended between readdir and read
    }
  }
  return stats;
}

/** Proportional set size of one process in KiB (0 if it is gone). */
function pssKiB(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; cores: number } {
  const lines = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const [, ...values] = lines[0]!.trim().split(/\s+/).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

/** The pid and every process below it, leaving out the subtrees of `exclude` below the root (the sampler itself). */
function descendants(root: number, stats: Stats, exclude: ReadonlySet<number>): number[] {
  if (!stats.has(root)) return [];
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(pid);
    else children.set(s.ppid, [pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const child of children.get(pid) ?? []) if (!exclude.has(child)) stack.push(child);
  }
  return out;
}

/** Proportional set size of a process and its descendants, in KiB. */
export function treePssKiB(pid: number): number {
  return descendants(pid, readStats(), new Set()).reduce((sum, p) => sum + pssKiB(p), 0);
}

/**
 * CPU and memory of process trees over one window. CPU is the difference of cumulative counters between
 * start and stop (exact, whatever the interval); memory is sampled, so the peak is the highest sample.
 */
export class UsageWindow {
  private readonly peakPss = new Map<string, number>();
  private readonly startTicks: Map<string, number>;
  private readonly startMachine = machineTicks();
  private readonly startedAt = performance.now();
  // Ticks of descendants seen during the window that ended before it did (short-lived backends).
  private readonly lastSeen = new Map<string, Map<number, number>>();

  private readonly exclude: ReadonlySet<number>;

  /**
   * `exclude`: subtrees to leave out of every tree (the sampler). Each target's tree also stops at the
   * other targets: a system the bench started itself runs below the load generator's process, and was
   * counted twice, once on its own lines and again as the generator's (1-1.5 cores of "generator" CPU).
   */
  constructor(
    private readonly targets: readonly WatchedProcess[],
    exclude: ReadonlySet<number>,
  ) {
    this.exclude = new Set([...exclude, ...targets.map((t) => t.pid)]);
    const stats = readStats();
    this.startTicks = new Map(targets.map((t) => [t.name, this.treeTicks(t, stats)]));
    this.sample(stats);
  }

  /** One memory sample of every tree (and a note of the CPU ticks of members that may exit later). */
  sample(stats = readStats()): void {
    for (const t of this.targets) {
      this.treeTicks(t, stats);
      const pss = descendants(t.pid, stats, this.exclude).reduce((sum, pid) => sum + pssKiB(pid), 0);
      this.peakPss.set(t.name, Math.max(this.peakPss.get(t.name) ?? 0, pss));
    }
  }

  /** Each tree's usage and the machine's, from the start of the window until now. */
  finish(): { processes: ProcessUsage[]; machine: MachineUsage } {
    const stats = readStats();
    this.sample(stats);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const percent = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 1000) / 10;
    const processes = this.targets.map((t) => ({
      name: t.name,
      pid: t.pid,
      cpuPercent: percent(this.treeTicks(t, stats) - (this.startTicks.get(t.name) ?? 0)),
      peakPssMiB: Math.round((this.peakPss.get(t.name) ?? 0) / 102.4) / 10,
    }));
    const end = machineTicks();
    const busyPercent = percent(end.busy - this.startMachine.busy);
    const ours = processes.reduce((sum, p) => sum + p.cpuPercent, 0);
    return { processes, machine: { busyPercent, otherPercent: Math.max(0, Math.round((busyPercent - ours) * 10) / 10), cores: end.cores } };
  }

  /** CPU ticks of a tree: live members now, plus the last ticks seen of members that have exited. */
  private treeTicks(target: WatchedProcess, stats: Stats): number {
    const seen = this.lastSeen.get(target.name) ?? new Map<number, number>();
    this.lastSeen.set(target.name, seen);
    for (const pid of descendants(target.pid, stats, this.exclude)) seen.set(pid, stats.get(pid)!.ticks);
    let total = 0;
    for (const ticks of seen.values()) total += ticks;
    return total;
  }
}
