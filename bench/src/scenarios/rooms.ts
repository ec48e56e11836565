import { closeAll, connectAll, pickShippedMembers } from '../clients';
import { removePopulation, seedPopulation } from '../population';
import { RoomTraffic, type TrafficResult } from '../room-traffic';
import { fmt, type Measurement, measured, type ScenarioContext, type ScenarioResult, type TargetCheck } from '../scenario';
import { received } from '../sio-client';
import { SocketCloses } from '../socket-closes';
import { gatewayHealth } from '../system';

export interface RoomScenarioOptions {
  rooms: number;
  roomSize: number;
  /** Delivery rates to run one after the other on the same sockets (deliveries/s = messages/s x room size). */
  deliveriesPerSecond: number[];
  durationSeconds: number;
  /**
   * Gateways the sockets are pinned to (default: all, alternately). Pinning to one leaves the others
   * with no member in any room: their CPU is what reading other gateways' room traffic costs.
   */
  socketGateways?: string[];
  /** Sockets ask for frame batching (`events:batch`). Default true, as the shipped client. */
  batch?: boolean;
}

/** Members connected with the shipped client (`@chat/client`) in each run; the others use the raw generator. */
const SHIPPED_MEMBERS = 16;

/** The issue's targets for chat traffic, each printed under every rate step. */
export interface RoomTargets {
  /** Sustained deliveries/s with p99 send->deliver at most `p99Ms`, no loss, no duplicates. */
  deliveries?: { atLeastPerSecond: number; p99Ms: number };
  /** Every member connected and in its room within this many seconds. */
  connectSeconds?: number;
  /** Most CPU (% of one core) of a named process of the system during a step. */
  cpuPercent?: Record<string, number>;
}

/**
 * Chat traffic in rooms of one size: seeds the users, connects every member (half on each gateway,
 * through nginx), waits until every socket is in its room, then runs each rate for the duration, every
 * member sending in turn. Used by the fan-out scenario (many rooms of 10-20) and the big room (one room
 * of 1,000+).
 */
export async function runRoomScenario(ctx: ScenarioContext, scenario: string, o: RoomScenarioOptions, targets: RoomTargets): Promise<ScenarioResult> {
  const { system, db, log } = ctx;
  const population = await seedPopulation(db, Array.from({ length: o.rooms }, () => o.roomSize));
  const members = population.users.length;
  log(`${scenario}: ${o.rooms} room(s) of ${o.roomSize}: connecting ${members} sockets through nginx`);
  let traffic: RoomTraffic | undefined;
  const connectStart = performance.now();
  const framesBefore = { ...received };
  const shipped = pickShippedMembers(population.rooms, SHIPPED_MEMBERS);
  const closes = new SocketCloses();
  const clients = await connectAll({
    baseUrl: system.baseUrl,
    users: population.users,
    shipped,
    gateways: o.socketGateways ?? system.gateways.map((g) => g.id),
    batch: o.batch ?? true,
    onMessage: (user, message) => traffic?.onDelivery(user, message),
    onClose: (user, code) => closes.closed(user, code),
  });
  const connectSeconds = (performance.now() - connectStart) / 1000;
  const measurements: Measurement[] = [];
  const checks: TargetCheck[] = [];
  const failures: string[] = [];
  let joinedSeconds = Number.NaN;
  let joinFrames = Number.NaN;
  try {
    traffic = new RoomTraffic(population, clients, db, shipped, closes);
    await traffic.warmUp();
    joinedSeconds = (performance.now() - connectStart) / 1000;
    // Presence mostly: what joining cost every member's socket (n²/2 frames when each arrival went to all).
    joinFrames = received.otherEvents - framesBefore.otherEvents;
    if (targets.connectSeconds !== undefined) {
      checks.push({
        target: `${fmt(members)} sockets connected and in their rooms in <= ${targets.connectSeconds} s`,
        actual: `${fmt(joinedSeconds, 1)} s`,
        met: joinedSeconds <= targets.connectSeconds,
      });
    }
    log(`${scenario}: ${members} sockets connected in ${connectSeconds.toFixed(1)} s and in their rooms in ${joinedSeconds.toFixed(1)} s; ${fmt(joinFrames)} non-message events (presence) received meanwhile`);
    for (const rate of o.deliveriesPerSecond) {
      const messagesPerSecond = rate / o.roomSize;
      log(`${scenario}: ${fmt(rate)} deliveries/s (${fmt(messagesPerSecond, 1)} messages/s) for ${o.durationSeconds} s`);
      await gatewayHealth(system); // resets the gateways' event-loop histograms: the next scrape covers this step
      const wire = { ...received };
      const run = await measured(ctx, () => traffic!.run({ messagesPerSecond, durationMs: o.durationSeconds * 1000 }, o.roomSize));
      const r = run.value;
      const gateways = await gatewayHealth(system);
      measurements.push({
        label: `${fmt(rate)} deliveries/s target`,
        figures: { ...figuresOf(r, members, gateways), 'frames per delivery (raw clients)': framesPerDelivery(wire) },
        processes: run.processes,
        generator: run.generator,
        machine: run.machine,
        details: { ...r, gateways },
      });
      failures.push(...correctness(scenario, rate, r));
      const label = measurements.at(-1)!.label;
      const t = targets.deliveries;
      if (t) {
        checks.push({
          target: `>= ${fmt(t.atLeastPerSecond)} deliveries/s at p99 <= ${t.p99Ms} ms, 0 lost, 0 duplicated`,
          actual: `${fmt(r.deliveriesPerSecond)} deliveries/s, p99 ${r.sendToDeliver.p99} ms, lost ${r.lost}, duplicated ${r.duplicates}`,
          met: r.deliveriesPerSecond >= t.atLeastPerSecond * 0.98 && r.sendToDeliver.p99 <= t.p99Ms && r.lost === 0 && r.duplicates === 0,
          measurement: label,
        });
      }
      for (const [name, most] of Object.entries(targets.cpuPercent ?? {})) {
        const used = run.processes.find((p) => p.name === name)?.cpuPercent ?? Number.NaN;
        checks.push({ target: `${name} <= ${most} % of a core`, actual: `${fmt(used, 1)} %`, met: used <= most, measurement: label });
      }
    }
  } finally {
    await closeAll(clients);
    await removePopulation(db, population);
  }
  return { scenario, parameters: { ...o, sockets: members, connectSeconds: Math.round(connectSeconds * 10) / 10, joinedSeconds: Math.round(joinedSeconds * 10) / 10, joinEvents: joinFrames }, measurements, targets: checks, failures };
}

function figuresOf(r: TrafficResult, sockets: number, gateways: Awaited<ReturnType<typeof gatewayHealth>>): Record<string, string | number> {
  return {
    connections: fmt(sockets),
    'messages accepted/s': fmt(r.messagesPerSecond),
    'deliveries/s': fmt(r.deliveriesPerSecond),
    'slowest second': fmt(r.worstSecondDeliveries),
    'send->deliver p50/p95/p99/max ms': `${r.sendToDeliver.p50} / ${r.sendToDeliver.p95} / ${r.sendToDeliver.p99} / ${r.sendToDeliver.max}`,
    'send->deliver p50/p99 ms, shipped client': `${r.shippedSendToDeliver.p50} / ${r.shippedSendToDeliver.p99} (${fmt(r.shippedSendToDeliver.count)} deliveries)`,
    'send->ack p99 ms': r.sendToAck.p99,
    'acked / delivered / persisted': `${fmt(r.acknowledged)} / ${fmt(r.delivered)} of ${fmt(r.deliveriesExpected)} / ${fmt(r.persisted)}`,
    'rejected sends': Object.entries(r.rejected).map(([code, n]) => `${code} ${n}`).join(', ') || '0',
    'lost / duplicates': `${r.lost} / ${r.duplicates + r.persistedDuplicates}${r.redeliveredAfterReconnect > 0 ? ` (and ${r.redeliveredAfterReconnect} redelivered after a reconnect, merged by id)` : ''}`,
    'sockets the gateways closed (generator late with pongs)': r.closedSockets.count === 0
      ? '0'
      : `${fmt(r.closedSockets.count)} (codes ${Object.entries(r.closedSockets.byCode).map(([c, n]) => `${c}: ${n}`).join(', ')}); ${fmt(r.undeliveredToClosedSockets)} deliveries owed to them, ${r.sendsCutByClose} sends cut: not loss, the measurement is invalid`,
    'persister drain ms': Number.isNaN(r.persisterDrainMs) ? 'did not finish' : r.persisterDrainMs,
    'gateway event-loop p99 ms': gateways.map((g) => `${g.id} ${g.eventLoopP99Ms}`).join(', '),
  };
}

/** WebSocket frames the raw clients read per message delivered to them since `before` (1 without batching; pings included). */
function framesPerDelivery(before: typeof received): string {
  const frames = received.frames - before.frames;
  const messages = received.messages - before.messages;
  return messages > 0 ? `${fmt(frames / messages, 3)} (${fmt(received.batches - before.batches)} batch frames)` : 'n/a';
}

/** Loss, duplicates and unpersisted messages are failures of the product, not slow figures. */
function correctness(scenario: string, rate: number, r: TrafficResult): string[] {
  const where = `${scenario} at ${fmt(rate)} deliveries/s`;
  const out: string[] = [];
  if (r.lost > 0) out.push(`${where}: ${r.lost} deliveries of acknowledged messages never arrived`);
  if (r.duplicates > 0) out.push(`${where}: ${r.duplicates} duplicate deliveries`);
  if (r.persisted < r.acknowledged) out.push(`${where}: ${r.acknowledged - r.persisted} acknowledged messages not in PostgreSQL`);
  if (r.persistedDuplicates > 0) out.push(`${where}: ${r.persistedDuplicates} messages stored twice`);
  if (r.acknowledged + r.sendsCutByClose < r.sent) out.push(`${where}: ${r.sent - r.acknowledged - r.sendsCutByClose} sends refused (${JSON.stringify(r.rejected)})`);
  // Not the product's failure, but figures over a partial population are not the scenario's: say so.
  if (r.closedSockets.count > 0) out.push(`${where}: the load generator lost ${r.closedSockets.count} sockets (closed by the gateways: pongs late); ${r.undeliveredToClosedSockets} deliveries owed to them are not counted as loss, and this step's figures are not valid`);
  return out;
}
