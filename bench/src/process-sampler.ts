import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { MachineUsage, ProcessUsage, WatchedProcess } from './proc-stats';
import type { SamplerCommand, SamplerReport } from './sampler-process';

export type { MachineUsage, ProcessUsage, WatchedProcess } from './proc-stats';

/**
 * How often the sampler reads memory; CPU comes from cumulative counters and needs no sampling. A sample
 * of every watched tree costs ~120 ms of CPU (smaps_rollup walks the page tables of each PostgreSQL
 * backend and of the JVM's heap): once a second it took 12-15 % of a core from the system it measured.
 */
const INTERVAL_MS = 5_000;

let child: ChildProcess | undefined;
let nextWindow = 0;
const waiting = new Map<string, (report: SamplerReport) => void>();
const key = (kind: SamplerReport['kind'], window: number) => `${kind}:${window}`;

/** The one sampler process of this benchmark run, started on first use. */
function sampler(): ChildProcess {
  if (child && child.connected) return child;
  const started = fork(path.join(__dirname, 'sampler-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  started.on('message', (report: SamplerReport) => {
    waiting.get(key(report.kind, report.window))?.(report);
    waiting.delete(key(report.kind, report.window));
  });
  started.on('exit', (code) => {
    for (const resolve of waiting.values()) resolve({ kind: 'usage', window: -1, processes: [], machine: { busyPercent: Number.NaN, otherPercent: Number.NaN, cores: 0 } });
    waiting.clear();
    if (code) process.stderr.write(`the benchmark's sampler process exited with code ${code}\n`);
  });
  // It must not keep the benchmark alive, nor outlive it (it exits when the IPC channel closes).
  started.unref();
  started.channel?.unref();
  child = started;
  return started;
}

/** Sends a command and resolves with the sampler's answer of that kind (the channel holds the benchmark open meanwhile). */
async function ask(command: SamplerCommand, answer: SamplerReport['kind']): Promise<SamplerReport> {
  const running = sampler();
  running.channel?.ref();
  try {
    return await new Promise<SamplerReport>((resolve) => {
      waiting.set(key(answer, command.window), resolve);
      running.send(command);
    });
  } finally {
    if (waiting.size === 0) running.channel?.unref();
  }
}

/** The sampler's own process: its CPU is reported on a line of its own, outside the load generator's. */
export function samplerProcess(): WatchedProcess {
  return { name: 'sampler', pid: sampler().pid! };
}

/**
 * Samples CPU and memory of process trees from a separate process while a scenario runs, so that
 * the measuring costs the load generator's event loop nothing.
 */
export class ProcessSampler {
  private readonly window = nextWindow++;

  constructor(private readonly targets: readonly WatchedProcess[]) {}

  /** Resolves once the sampler has read the window's first counters: the window starts then, not when asked. */
  async start(): Promise<void> {
    await ask({ kind: 'start', window: this.window, targets: [...this.targets], intervalMs: INTERVAL_MS }, 'started');
  }

  /** Stops sampling and resolves with each tree's usage and the machine's, over the window since start(). */
  async stop(): Promise<{ processes: ProcessUsage[]; machine: MachineUsage }> {
    const report = await ask({ kind: 'stop', window: this.window }, 'usage');
    if (report.kind !== 'usage') throw new Error('the sampler answered stop with something else');
    return { processes: report.processes, machine: report.machine };
  }
}
