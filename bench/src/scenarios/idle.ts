import { fmt, measured, type ScenarioContext, type ScenarioResult } from '../scenario';

/** The target: the whole system at rest uses at most this much of one core. */
const TARGET_PERCENT = 2;

/**
 * CPU of the whole system with no traffic at all: timers, polls and heartbeats of every process. What
 * an idle deployment costs, and a check that no component busy-loops while it waits for work.
 */
export async function runIdleScenario(ctx: ScenarioContext, o: { seconds: number }): Promise<ScenarioResult> {
  ctx.log(`idle: measuring the system at rest for ${o.seconds} s`);
  const run = await measured(ctx, () => new Promise<void>((resolve) => setTimeout(resolve, o.seconds * 1000)));
  const names = new Set(ctx.system.processes.map((p) => p.name));
  const system = run.processes.filter((p) => names.has(p.name));
  const total = system.reduce((sum, p) => sum + p.cpuPercent, 0);
  const label = `${o.seconds} s without traffic`;
  return {
    scenario: 'idle',
    parameters: { seconds: o.seconds },
    measurements: [
      {
        label,
        figures: { 'system CPU % of a core': fmt(total, 1), 'by process': system.map((p) => `${p.name} ${fmt(p.cpuPercent, 1)}`).join(', ') },
        processes: run.processes,
        machine: run.machine,
        generator: run.generator,
        details: { total },
      },
    ],
    targets: [{ target: `idle system <= ${TARGET_PERCENT} % of a core`, actual: `${fmt(total, 1)} %`, met: total <= TARGET_PERCENT, measurement: label }],
    failures: [],
  };
}
