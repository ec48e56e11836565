import os from 'node:os';
import { generatorLine, type ScenarioResult, type TargetCheck } from './scenario';

/** The machine the figures came from: they mean little without it. */
export function machineDescription(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** The human-readable report: per scenario, per measurement, the figures, their targets and each process's usage. */
export function renderReport(results: readonly ScenarioResult[]): string {
  const lines: string[] = [];
  const target = (t: TargetCheck) => `   target ${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.actual}`;
  for (const r of results) {
    lines.push('', `== ${r.scenario} ${'='.repeat(Math.max(0, 70 - r.scenario.length))}`);
    lines.push(`   ${Object.entries(r.parameters).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join('  ')}`);
    for (const m of r.measurements) {
      lines.push('', `-- ${m.label}`);
      const width = Math.max(...Object.keys(m.figures).map((k) => k.length), 'load generator'.length);
      for (const [key, value] of Object.entries(m.figures)) lines.push(`   ${key.padEnd(width)}  ${value}`);
      lines.push(`   ${'load generator'.padEnd(width)}  ${generatorLine(m.generator)}`);
      for (const t of r.targets.filter((t) => t.measurement === m.label)) lines.push(target(t));
      lines.push(`   ${'process'.padEnd(18)} ${'CPU %'.padStart(7)} ${'peak MiB'.padStart(9)}`);
      for (const p of m.processes) lines.push(`   ${p.name.padEnd(18)} ${p.cpuPercent.toFixed(1).padStart(7)} ${p.peakPssMiB.toFixed(1).padStart(9)}`);
      lines.push(`   ${'machine busy'.padEnd(18)} ${m.machine.busyPercent.toFixed(1).padStart(7)}   (of ${m.machine.cores * 100}; ${m.machine.otherPercent.toFixed(1)} by other work)`);
    }
    const labels = new Set(r.measurements.map((m) => m.label));
    for (const t of r.targets.filter((t) => !t.measurement || !labels.has(t.measurement))) lines.push(target(t));
    for (const f of r.failures) lines.push(`   FAILED ${f}`);
  }
  return lines.join('\n');
}
