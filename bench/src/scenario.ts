import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from 'pg';
import { type MachineUsage, type ProcessUsage, ProcessSampler, samplerProcess, type WatchedProcess } from './process-sampler';
import type { SystemUnderTest } from './system';

/** What every scenario gets. */
export interface ScenarioContext {
  system: SystemUnderTest;
  /** A connection to the local system's database (seeding and persisted-message checks). */
  db: Client;
  log: (line: string) => void;
}

/** A target of the table, and whether this run met it. */
export interface TargetCheck {
  target: string;
  actual: string;
  met: boolean;
  /** The label of the measurement it judges: the report prints it right under that measurement's figures. */
  measurement?: string;
}

/**
 * The load generator's own state during a measurement: it shares the machine with the system under
 * test, so every latency figure is printed beside what the generator itself spent and how late its
 * event loop ran (a late loop inflates every latency it records).
 */
export interface GeneratorUsage {
  /** CPU of the load generator's process tree (its worker processes included, the sampler not). */
  cpuPercent: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** The machine's 1-, 5- and 15-minute load averages at the end of the measurement. */
  loadAverage: [number, number, number];
}

/** One measured part of a scenario (a rate step, a phase), with the usage of every process during it. */
export interface Measurement {
  label: string;
  /** Figures shown in the table, in order. */
  figures: Record<string, string | number>;
  processes: ProcessUsage[];
  machine: MachineUsage;
  generator: GeneratorUsage;
  /** Everything measured, for the JSON report. */
  details: unknown;
}

export interface ScenarioResult {
  scenario: string;
  /** The sizes it ran with. */
  parameters: Record<string, unknown>;
  measurements: Measurement[];
  targets: TargetCheck[];
  /** Correctness failures (loss, duplicates, missing rows): any of them fails the run. */
  failures: string[];
}

/**
 * Runs `work` while a separate sampler process records the CPU and memory of every process of the
 * system, of this load generator and of `extra` processes the scenario started itself; the generator's
 * own event-loop delay is recorded here, where it happens.
 */
export async function measured<T>(
  ctx: ScenarioContext,
  work: () => Promise<T>,
  extra: WatchedProcess[] = [],
): Promise<{ value: T; processes: ProcessUsage[]; machine: MachineUsage; generator: GeneratorUsage }> {
  const sampler = new ProcessSampler([...ctx.system.processes, ...extra, { name: 'load generator', pid: process.pid }, samplerProcess()]);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  await sampler.start();
  lag.enable();
  let value: T;
  try {
    value = await work();
  } finally {
    lag.disable();
  }
  const usage = await sampler.stop();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const [one, five, fifteen] = os.loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];
  const generator: GeneratorUsage = {
    cpuPercent: usage.processes.find((p) => p.name === 'load generator')?.cpuPercent ?? Number.NaN,
    eventLoopP99Ms: ms(lag.percentile(99)),
    eventLoopMaxMs: ms(lag.max),
    loadAverage: [one, five, fifteen],
  };
  return { value, ...usage, generator };
}

/** The generator's line printed beside every latency figure. */
export const generatorLine = (g: GeneratorUsage): string =>
  `CPU ${g.cpuPercent.toFixed(1)} %, event-loop p99 ${g.eventLoopP99Ms} ms (max ${g.eventLoopMaxMs}); load average ${g.loadAverage.join(' ')}`;

/** A number with thousands separators, for the table. */
export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
