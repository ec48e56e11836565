import type { Client } from 'pg';
import { type MachineUsage, type ProcessUsage, ProcessSampler, type WatchedProcess } from './process-sampler';
import type { SystemUnderTest } from './system';

/** What every scenario gets. */
export interface ScenarioContext {
  system: SystemUnderTest;
  /** A connection to the local system's database (seeding and persisted-message checks). */
  db: Client;
  log: (line: string) => void;
}

/** A target of the issue, and whether this run met it. */
export interface TargetCheck {
  target: string;
  actual: string;
  met: boolean;
}

/** One measured part of a scenario (a rate step, a phase), with the usage of every process during it. */
export interface Measurement {
  label: string;
  /** Figures shown in the table, in order. */
  figures: Record<string, string | number>;
  processes: ProcessUsage[];
  machine: MachineUsage;
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
 * Runs `work` while sampling the CPU and memory of every process of the system, of this load generator
 * and of `extra` processes the scenario started itself.
 */
export async function measured<T>(ctx: ScenarioContext, work: () => Promise<T>, extra: WatchedProcess[] = []): Promise<{ value: T; processes: ProcessUsage[]; machine: MachineUsage }> {
  const sampler = new ProcessSampler([...ctx.system.processes, ...extra, { name: 'load generator', pid: process.pid }]);
  sampler.start();
  try {
    const value = await work();
    return { value, ...sampler.stop() };
  } catch (error) {
    sampler.stop();
    throw error;
  }
}

/** A number with thousands separators, for the table. */
export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
