import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { MachineUsage, ProcessUsage, WatchedProcess } from './proc-stats';
import type { SamplerCommand, SamplerReport } from './sampler-process';

export type { MachineUsage, ProcessUsage, WatchedProcess } from './proc-stats';

/** How often the sampler reads memory; CPU comes from cumulative counters and needs no sampling. */
const INTERVAL_MS = 500;

let child: ChildProcess | undefined;
let nextWindow = 0;
const waiting = new Map<number, (report: SamplerReport) => void>();

/** The one sampler process of this benchmark run, started on first use. */
function sampler(): ChildProcess {
  if (child && child.connected) return child;
  const started = fork(path.join(__dirname, 'sampler-process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  started.on('message', (report: SamplerReport) => {
    waiting.get(report.window)?.(report);
    waiting.delete(report.window);
  });
  started.on('exit', (code) => {
    for (const [window, resolve] of waiting) resolve({ kind: 'usage', window, processes: [], machine: { busyPercent: Number.NaN, otherPercent: Number.NaN, cores: 0 } });
    waiting.clear();
    if (code) process.stderr.write(`the benchmark's sampler process exited with code ${code}\n`);
  });
  // It must not keep the benchmark alive, nor outlive it (it exits when the IPC channel closes).
  started.unref();
  started.channel?.unref();
  child = started;
  return started;
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

  start(): void {
    const command: SamplerCommand = { kind: 'start', window: this.window, targets: [...this.targets], intervalMs: INTERVAL_MS };
    sampler().send(command);
  }

  /** Stops sampling and resolves with each tree's usage and the machine's, over the window since start(). */
  async stop(): Promise<{ processes: ProcessUsage[]; machine: MachineUsage }> {
    const running = sampler();
    // While a reply is awaited the channel must hold the benchmark open.
    running.channel?.ref();
    try {
      const report = await new Promise<SamplerReport>((resolve) => {
        waiting.set(this.window, resolve);
        const command: SamplerCommand = { kind: 'stop', window: this.window };
        running.send(command);
      });
      return { processes: report.processes, machine: report.machine };
    } finally {
      if (waiting.size === 0) running.channel?.unref();
    }
  }
}
