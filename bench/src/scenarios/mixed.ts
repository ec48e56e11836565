import { closeAll, connectAll, pickShippedMembers } from '../clients';
import { removePopulation, seedPopulation } from '../population';
import { RoomTraffic, type TrafficResult } from '../room-traffic';
import { fmt, type Measurement, measured, type ScenarioContext, type ScenarioResult, type TargetCheck } from '../scenario';

export interface MixedScenarioOptions {
  rooms: number;
  roomSize: number;
  /** Events per second (sends, or sends, reactions, edits and replies), the same for both steps. */
  eventsPerSecond: number;
  durationSeconds: number;
  /** Sockets ask for frame batching (`events:batch`). Default true, as the shipped client. */
  batch?: boolean;
}

/** The bound: mixed traffic may cost at most this much more CPU per delivered event than sends alone. */
const MOST_RATIO = 1.3;
/** Processes of the load generator's side, not of the system under test. */
const NOT_THE_SYSTEM = new Set(['load generator', 'sampler']);

/**
 * Living-message traffic beside send-only traffic at the same event rate, on the same sockets: first
 * sends only, then the mix (80 % sends, 10 % reactions, 5 % edits, 5 % replies). Every member
 * receives each send (`message:new`) and each change (`message:updated`, for a reply its parent's new
 * count too). The figure compared is the system's CPU (every process of it, summed) per delivered event.
 */
export async function runMixedScenario(ctx: ScenarioContext, o: MixedScenarioOptions): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  const population = await seedPopulation(db, Array.from({ length: o.rooms }, () => o.roomSize));
  log(`mixed: ${o.rooms} rooms of ${o.roomSize}: connecting ${population.users.length} sockets`);
  let traffic: RoomTraffic | undefined;
  // A few members on the shipped client (@chat/client), as in the rooms scenarios.
  const shipped = pickShippedMembers(population.rooms, 16);
  const clients = await connectAll({
    baseUrl: system.baseUrl,
    users: population.users,
    shipped,
    gateways: system.gateways.map((g) => g.id),
    batch: o.batch ?? true,
    onMessage: (user, message) => traffic?.onDelivery(user, message),
    onUpdate: () => traffic?.onUpdate(),
  });
  const measurements: Measurement[] = [];
  const failures: string[] = [];
  const cpuPerEvent: number[] = [];
  try {
    traffic = new RoomTraffic(population, clients, db, shipped);
    await traffic.warmUp();
    for (const mixed of [false, true]) {
      const label = mixed ? 'mixed: 80 % sends, 10 % reactions, 5 % edits, 5 % replies' : 'send-only';
      log(`mixed: ${label} at ${fmt(o.eventsPerSecond)} events/s for ${o.durationSeconds} s`);
      const run = await measured(ctx, () => traffic!.run({ messagesPerSecond: o.eventsPerSecond, durationMs: o.durationSeconds * 1000, mixed }, o.roomSize));
      const r = run.value;
      const systemCpu = run.processes.filter((p) => !NOT_THE_SYSTEM.has(p.name)).reduce((n, p) => n + p.cpuPercent, 0);
      // CPU-seconds per second over deliveries per second (the window is the step, settling included).
      const deliveredPerSecond = r.eventsDelivered / o.durationSeconds;
      const micros = ((systemCpu / 100) * 1e6) / deliveredPerSecond;
      cpuPerEvent.push(micros);
      measurements.push({ label, figures: figuresOf(r, o.eventsPerSecond, systemCpu, micros), processes: run.processes, generator: run.generator, machine: run.machine, details: r });
      failures.push(...correctness(label, r));
    }
  } finally {
    await closeAll(clients);
    await removePopulation(db, population);
  }
  const [sendOnly, mixed] = cpuPerEvent as [number, number];
  const ratio = mixed / sendOnly;
  const targets: TargetCheck[] = [
    {
      target: `mixed CPU per delivered event <= ${MOST_RATIO}x send-only at the same event rate`,
      actual: `${fmt(mixed, 1)} vs ${fmt(sendOnly, 1)} µs: ${fmt(ratio, 2)}x`,
      met: ratio <= MOST_RATIO,
      measurement: measurements.at(-1)?.label,
    },
  ];
  return { scenario: 'mixed', parameters: { ...o }, measurements, targets, failures };
}

function figuresOf(r: TrafficResult, eventsPerSecond: number, systemCpu: number, micros: number): Record<string, string | number> {
  return {
    'events/s asked': fmt(eventsPerSecond),
    'sends acked / changes acked': `${fmt(r.acknowledged)} / ${fmt(r.changes.acknowledged)} of ${fmt(r.changes.sent)}`,
    'delivered: message:new + message:updated': `${fmt(r.delivered)} + ${fmt(r.updatesDelivered)}`,
    'system CPU % (all processes)': fmt(systemCpu, 1),
    'CPU µs per delivered event': fmt(micros, 1),
    'send->deliver p50/p99 ms': `${r.sendToDeliver.p50} / ${r.sendToDeliver.p99}`,
    'lost / duplicates (sends)': `${r.lost} / ${r.duplicates + r.persistedDuplicates}`,
  };
}

function correctness(label: string, r: TrafficResult): string[] {
  const out: string[] = [];
  if (r.lost > 0) out.push(`${label}: ${r.lost} deliveries of acknowledged messages never arrived`);
  if (r.duplicates > 0) out.push(`${label}: ${r.duplicates} duplicate deliveries`);
  if (r.persisted < r.acknowledged) out.push(`${label}: ${r.acknowledged - r.persisted} acknowledged messages not in PostgreSQL`);
  const refused = r.sent - r.acknowledged + r.changes.sent - r.changes.acknowledged;
  if (refused > 0) out.push(`${label}: ${refused} events refused (${JSON.stringify({ ...r.rejected, ...r.changes.rejected })})`);
  return out;
}
