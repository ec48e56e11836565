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

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime+stime (clock ticks) and parent pid of every process, read from /proc/<pid>/stat. */
function readStats(): Map<number, { ppid: number; ticks: number }> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
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
export function pssKiB(pid: number): number {
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

/**
 * Samples CPU and memory of process trees from /proc while a scenario runs. CPU is the difference of
 * cumulative counters between start and stop (exact, whatever the interval); memory is sampled, so the
 * peak is the highest of the samples.
 */
export class ProcessSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly peakPss = new Map<string, number>();
  private startTicks = new Map<string, number>();
  private startMachine = machineTicks();
  private startedAt = 0;
  // Ticks of descendants seen during the window that ended before it did (short-lived backends).
  private readonly lastSeen = new Map<string, Map<number, number>>();

  constructor(
    private readonly targets: readonly WatchedProcess[],
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.startMachine = machineTicks();
    const stats = readStats();
    this.startTicks = new Map(this.targets.map((t) => [t.name, this.treeTicks(t, stats)]));
    this.sample(stats);
    this.timer = setInterval(() => this.sample(readStats()), this.intervalMs);
  }

  /** Stops sampling and returns each tree's usage and the machine's, over the window since start(). */
  stop(): { processes: ProcessUsage[]; machine: MachineUsage } {
    clearInterval(this.timer);
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
  private treeTicks(target: WatchedProcess, stats: Map<number, { ppid: number; ticks: number }>): number {
    const seen = this.lastSeen.get(target.name) ?? new Map<number, number>();
    this.lastSeen.set(target.name, seen);
    for (const pid of descendants(target.pid, stats)) seen.set(pid, stats.get(pid)!.ticks);
    let total = 0;
    for (const ticks of seen.values()) total += ticks;
    return total;
  }

  private sample(stats: Map<number, { ppid: number; ticks: number }>): void {
    for (const t of this.targets) {
      this.treeTicks(t, stats);
      const pss = descendants(t.pid, stats).reduce((sum, pid) => sum + pssKiB(pid), 0);
      this.peakPss.set(t.name, Math.max(this.peakPss.get(t.name) ?? 0, pss));
    }
  }
}

/** Proportional set size of a process and its descendants, in KiB. */
export function treePssKiB(pid: number): number {
  return descendants(pid, readStats()).reduce((sum, p) => sum + pssKiB(p), 0);
}

/** The pid and every process below it. */
function descendants(root: number, stats: Map<number, { ppid: number; ticks: number }>): number[] {
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
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}
