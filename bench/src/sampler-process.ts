// The sampler: a child process of the benchmark that reads /proc for it. Reading every process's
// smaps_rollup takes tens of milliseconds; done on the load generator's event loop, it delayed every
// delivery in flight and doubled the generator's CPU. Here it costs the generator nothing, and the
// sampler's own CPU is left out of the generator's tree and reported on its own line.
import os from 'node:os';
import { UsageWindow, type WatchedProcess } from './proc-stats';

// What it reads can wait for the system under test: its samples land a moment late, the system does not.
os.setPriority(19);

/** Messages from the benchmark. */
export type SamplerCommand =
  | { kind: 'start'; window: number; targets: WatchedProcess[]; intervalMs: number }
  | { kind: 'stop'; window: number };

/** Answers: `started` once the window's first counters are read, `usage` to `stop`. */
export type SamplerReport = { kind: 'started'; window: number } | ({ kind: 'usage'; window: number } & ReturnType<UsageWindow['finish']>);

const windows = new Map<number, { usage: UsageWindow; timer: NodeJS.Timeout }>();
const self = new Set([process.pid]);

process.on('message', (command: SamplerCommand) => {
  if (command.kind === 'start') {
    const usage = new UsageWindow(command.targets, self);
    windows.set(command.window, { usage, timer: setInterval(() => usage.sample(), command.intervalMs) });
    process.send!({ kind: 'started', window: command.window } satisfies SamplerReport);
    return;
  }
  const open = windows.get(command.window);
  if (!open) return;
  clearInterval(open.timer);
  windows.delete(command.window);
  const report: SamplerReport = { kind: 'usage', window: command.window, ...open.usage.finish() };
  process.send!(report);
});
// The benchmark ending (or crashing) closes the IPC channel: nothing is left running.
process.on('disconnect', () => process.exit(0));
