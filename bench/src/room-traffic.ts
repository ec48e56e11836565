import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChatMessage } from '@chat/protocol';
import type { Client } from 'pg';
import { LatencyRecorder, type LatencySummary } from './latency';
import type { Population } from './population';
import type { BenchSocket } from './shipped-client';
import { SocketCloses } from './socket-closes';

/** One message this run sent, and who has received it. */
interface Tracked {
  clientMsgId: string;
  sentAt: number;
  room: number;
  warmUp: boolean;
  acked: boolean;
  id?: string;
  /** One flag per member of the room (by position): a second delivery to the same member is a duplicate. */
  seen: Uint8Array;
  deliveries: number;
}

/** Figures of one traffic step: the loss accounting of the issue (acked vs delivered vs persisted). */
export interface TrafficResult {
  /** Deliveries per second asked for (messages/s times room size). */
  targetDeliveriesPerSecond: number;
  durationSeconds: number;
  sent: number;
  acknowledged: number;
  /** Sends answered with an error, by error code (RATE_LIMITED means the step exceeds MESSAGE_RATE_LIMIT). */
  rejected: Record<string, number>;
  messagesPerSecond: number;
  deliveriesExpected: number;
  delivered: number;
  deliveriesPerSecond: number;
  /** The slowest whole second of the step (excluding the first and last): what "sustained" means. */
  worstSecondDeliveries: number;
  /**
   * Expected deliveries of acknowledged messages that never arrived at a member whose socket stayed open:
   * the product's loss (what must be 0).
   */
  lost: number;
  /**
   * Members' sockets that closed during the step (the gateway dropped them: the load generator missed its
   * pings), by WebSocket close code. The raw generator does not reconnect, so it receives nothing after.
   */
  closedSockets: { count: number; byCode: Record<string, number> };
  /** Expected deliveries of acknowledged messages to those closed sockets that never arrived (not loss). */
  undeliveredToClosedSockets: number;
  /** Sends the generator answered UNAVAILABLE itself because the sender's socket closed before the ack. */
  sendsCutByClose: number;
  /** The same message delivered twice to one socket that never reconnected. */
  duplicates: number;
  /** The same message again to a member whose (shipped) client reconnected: a replay's overlap, merged by id. */
  redeliveredAfterReconnect: number;
  sendToDeliver: LatencySummary;
  /** Send->deliver of the deliveries to members on the shipped client (`@chat/client`): what a person's client sees. */
  shippedSendToDeliver: LatencySummary;
  sendToAck: LatencySummary;
  persisted: number;
  /** Messages of this step stored more than once (the primary key forbids it: a check that it held). */
  persistedDuplicates: number;
  /** From the last acknowledgement until every acknowledged message was in PostgreSQL. */
  persisterDrainMs: number;
  /** Event-loop delay p99 of the load generator itself: high values mean the figures include its own lag. */
  loadGeneratorLagP99Ms: number;
  /** Edits and reaction changes of a mixed step (replies are sends): asked, acknowledged, refused by code. */
  changes: { sent: number; acknowledged: number; rejected: Record<string, number> };
  /** `message:updated` events received by all members (edits, reactions, reply counts). */
  updatesDelivered: number;
  /** Every event delivered to a member: `message:new` plus `message:updated`. */
  eventsDelivered: number;
}

export interface StepOptions {
  /** Total messages per second over all rooms, spread evenly over every member. */
  messagesPerSecond: number;
  durationMs: number;
  /** How long to wait for the last acks and deliveries after the sending stopped. */
  settleTimeoutMs?: number;
  /** How long to wait for PostgreSQL to hold every acknowledged message. */
  persistTimeoutMs?: number;
  /**
   * The mixed traffic: of every 20 events 16 are sends, 2 reaction changes (add, then remove, on
   * the sender's own last message), 1 an edit of it, 1 a reply in its thread. Default: sends only.
   */
  mixed?: boolean;
}

/** One cycle of the mixed traffic (80 % sends, 10 % reactions, 5 % edits, 5 % replies). */
const MIX = [...Array<'send'>(16).fill('send'), 'react', 'edit', 'react', 'reply'] as const;

/** How often the sender loop runs; sends due in between go out together (open loop: no coordinated omission). */
const TICK_MS = 5;

/**
 * Drives chat traffic through connected sockets and accounts for every message: sends on a fixed
 * schedule (each member in turn, evenly spaced), matches every `message:new` to the send it came from,
 * then checks PostgreSQL for each acknowledged id.
 */
export class RoomTraffic {
  private readonly tracked = new Map<string, Tracked>();
  /** Room index and position in it, per user index. */
  private readonly roomOf: Int32Array;
  private readonly positionOf: Int32Array;
  private readonly order: number[];
  private cursor = 0;
  private seq = 0;
  private step: StepState | undefined;
  /** Per user index: its last acknowledged top-level message (what its changes and replies aim at). */
  private readonly lastOwn = new Map<number, string>();
  private readonly reacted = new Set<number>();
  private eventSeq = 0;

  constructor(
    private readonly population: Population,
    private readonly clients: readonly BenchSocket[],
    private readonly db: Client,
    /** Users whose socket is the shipped client: their deliveries are also measured on their own. */
    private readonly shipped: ReadonlySet<number> = new Set(),
    /** The members' socket closes (wired by connectAll's onClose). */
    private readonly closes: SocketCloses = new SocketCloses(),
  ) {
    const n = population.users.length;
    this.roomOf = new Int32Array(n).fill(-1);
    this.positionOf = new Int32Array(n).fill(-1);
    population.rooms.forEach((room, r) =>
      room.members.forEach((user, position) => {
        this.roomOf[user] = r;
        this.positionOf[user] = position;
      }),
    );
    // Interleave rooms in the send order so that consecutive sends hit different rooms (and partitions).
    this.order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.positionOf[a]! - this.positionOf[b]! || this.roomOf[a]! - this.roomOf[b]!);
  }

  /** Entry point for every `message:new` a client receives (wired by connectAll's onMessage). */
  onDelivery(userIndex: number, message: ChatMessage): void {
    const now = performance.now();
    const t = this.tracked.get(message.clientMsgId);
    if (!t) return; // not ours (another bench run or a person on the same system)
    const position = this.positionOf[userIndex]!;
    if (t.seen[position]) {
      // After a reconnect the replay may overlap what came live: the shipped client merges it by id.
      if (!t.warmUp && this.step) this.step[this.clients[userIndex]?.reconnected ? 'redelivered' : 'duplicates']++;
      return;
    }
    t.seen[position] = 1;
    t.deliveries++;
    if (t.warmUp) return this.onWarmUpDelivery(t);
    const s = this.step;
    if (!s) return;
    s.delivered++;
    s.lastDeliveryAt = now;
    s.latency.record(now - t.sentAt);
    if (this.shipped.has(userIndex)) s.shippedLatency.record(now - t.sentAt);
    const second = Math.floor((now - s.startedAt) / 1000);
    s.perSecond[second] = (s.perSecond[second] ?? 0) + 1;
    s.checkSettled();
  }

  /**
   * Waits until every socket is in its rooms. The server acknowledges the handshake before the socket
   * has joined its rooms (that takes a PostgreSQL query), so a message sent right away could miss a
   * member that is connected but not yet joined: the benchmark would count loss that no user sees.
   * Each room's first member sends a warm-up message until one reaches every member.
   */
  async warmUp(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.population.rooms.map((_, r) => r));
    while (pending.size > 0) {
      if (Date.now() > deadline) {
        // A member whose socket the gateway closed (the generator answered its pings too late) never gets one.
        const closed = this.closes.size > 0 ? `; ${this.closes.size} members' sockets were closed by the gateways meanwhile (the load generator fell behind its pings)` : '';
        throw new Error(`${pending.size} rooms never delivered a warm-up message to all members within ${timeoutMs} ms${closed}`);
      }
      this.warmUpWaiters = new Map();
      const round = [...pending].map(
        (r) =>
          new Promise<void>((resolve) => {
            const t = this.sendOne(this.population.rooms[r]!.members[0]!, true);
            const timer = setTimeout(resolve, 2_000); // a member that missed it: the next round retries
            this.warmUpWaiters!.set(t, () => {
              clearTimeout(timer);
              pending.delete(r);
              resolve();
            });
          }),
      );
      await Promise.all(round);
    }
    this.warmUpWaiters = undefined;
  }

  private warmUpWaiters: Map<Tracked, () => void> | undefined;

  private onWarmUpDelivery(t: Tracked): void {
    if (t.deliveries === t.seen.length) this.warmUpWaiters?.get(t)?.();
  }

  /** Sends for `durationMs` at the given rate, waits for the stragglers, then checks PostgreSQL. */
  async run(o: StepOptions, roomSize: number): Promise<TrafficResult> {
    const s = new StepState(o);
    this.step = s;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const interval = 1000 / o.messagesPerSecond;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - s.startedAt;
        const due = Math.min(Math.floor(elapsed / interval) + 1, Math.floor(o.durationMs / interval));
        while (s.sent + s.changes.sent < due) this.nextEvent(s, o.mixed === true);
        if (elapsed >= o.durationMs) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
    s.sendingEnded = true;
    s.checkSettled();
    // Members whose socket closed never get the rest: the step is settled once every open member has all.
    const poll = setInterval(() => this.owedToOpen(s) === 0 && s.answered >= s.sent && s.changes.answered >= s.changes.sent && s.settle(), 250);
    await s.settled;
    clearInterval(poll);
    lag.disable();
    const lastAck = s.lastAckAt;

    const ackedIds = s.ids.filter((t) => t.acked).map((t) => t.id!);
    const persistStart = performance.now();
    let persisted = 0;
    let stored = 0;
    const persistDeadline = persistStart + (o.persistTimeoutMs ?? 60_000);
    // Polling is the only way to see another process's writes; 50 ms is far below the drain times measured.
    for (;;) {
      const row = (await this.db.query<{ n: number; rows: number }>('SELECT count(DISTINCT id)::int AS n, count(*)::int AS rows FROM messages WHERE id = ANY($1::uuid[])', [ackedIds])).rows[0]!;
      persisted = row.n;
      stored = row.rows;
      if (persisted >= ackedIds.length || performance.now() > persistDeadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const persisterDrainMs = persisted >= ackedIds.length ? Math.max(0, performance.now() - lastAck) : Number.NaN;
    this.step = undefined;
    for (const t of s.ids) this.tracked.delete(t.clientMsgId);

    const seconds = o.durationMs / 1000;
    const full = s.perSecond.slice(1, Math.floor(seconds));
    const deliveriesExpected = s.acked * roomSize;
    return {
      targetDeliveriesPerSecond: Math.round(o.messagesPerSecond * roomSize),
      durationSeconds: seconds,
      sent: s.sent,
      acknowledged: s.acked,
      rejected: s.rejected,
      messagesPerSecond: Math.round(s.acked / seconds),
      deliveriesExpected,
      delivered: s.delivered,
      // Over the time the deliveries took, not the sending time: a backlog delivered late is not throughput.
      deliveriesPerSecond: Math.round(s.delivered / Math.max(seconds, (s.lastDeliveryAt - s.startedAt) / 1000)),
      worstSecondDeliveries: full.length > 0 ? Math.min(...full.map((v) => v ?? 0)) : s.delivered,
      lost: this.owedToOpen(s),
      closedSockets: this.closes.since(s.startedAt),
      undeliveredToClosedSockets: Math.max(0, deliveriesExpected - s.deliveredOfAcked() - this.owedToOpen(s)),
      sendsCutByClose: s.cutByClose,
      duplicates: s.duplicates,
      redeliveredAfterReconnect: s.redelivered,
      sendToDeliver: s.latency.summary(),
      shippedSendToDeliver: s.shippedLatency.summary(),
      sendToAck: s.ackLatency.summary(),
      persisted,
      persistedDuplicates: stored - persisted,
      persisterDrainMs: Math.round(persisterDrainMs),
      loadGeneratorLagP99Ms: Math.round(lag.percentile(99) / 1e5) / 10,
      changes: { sent: s.changes.sent, acknowledged: s.changes.acknowledged, rejected: s.changes.rejected },
      updatesDelivered: s.updates,
      eventsDelivered: s.delivered + s.updates,
    };
  }

  /** Deliveries of the step's acknowledged messages still owed to members whose socket is open. */
  private owedToOpen(s: StepState): number {
    let owed = 0;
    for (const t of s.ids) {
      if (!t.acked || t.deliveries === t.seen.length) continue;
      const members = this.population.rooms[t.room]!.members;
      for (let p = 0; p < t.seen.length; p++) if (!t.seen[p] && !this.closes.has(members[p]!)) owed++;
    }
    return owed;
  }

  /** `message:updated` received by a member (wired by connectAll's onUpdate). */
  onUpdate(): void {
    if (this.step) this.step.updates++;
  }

  /** The next event of the step: a send, or in mixed traffic a change or a reply by the next member. */
  private nextEvent(s: StepState, mixed: boolean): void {
    const user = this.order[this.cursor++ % this.order.length]!;
    const kind = mixed ? MIX[this.eventSeq++ % MIX.length]! : 'send';
    const target = this.lastOwn.get(user);
    if (kind === 'send' || target === undefined) return void s.ids.push(this.sendOne(user, false));
    if (kind === 'reply') return void s.ids.push(this.sendOne(user, false, target));
    const client = this.clients[user]!;
    const present = !this.reacted.has(user);
    if (kind === 'react') {
      if (present) this.reacted.add(user);
      else this.reacted.delete(user);
    }
    s.changes.sent++;
    const answer =
      kind === 'edit'
        ? client.request('message:edit', { messageId: target, body: `benchmark edit ${(this.seq++).toString(36)}: the quick brown fox` })
        : client.request(present ? 'reaction:add' : 'reaction:remove', { messageId: target, emoji: '👍' });
    void answer.then((ack) => {
      if (ack.ok) s.changes.acknowledged++;
      else s.changes.rejected[ack.error.code] = (s.changes.rejected[ack.error.code] ?? 0) + 1;
      s.changes.answered++;
      s.checkSettled();
    });
  }

  private sendOne(userIndex: number, warmUp: boolean, parentId?: string): Tracked {
    const room = this.roomOf[userIndex]!;
    const roomInfo = this.population.rooms[room]!;
    const clientMsgId = `b${userIndex.toString(36)}-${(this.seq++).toString(36)}`;
    const t: Tracked = { clientMsgId, sentAt: performance.now(), room, warmUp, acked: false, seen: new Uint8Array(roomInfo.members.length), deliveries: 0 };
    this.tracked.set(clientMsgId, t);
    const s = warmUp ? undefined : this.step;
    if (s) s.sent++;
    const body = `benchmark message ${clientMsgId}: the quick brown fox jumps over the lazy dog`;
    void this.clients[userIndex]!.send({ roomId: roomInfo.id, clientMsgId, body, ...(parentId ? { parentId } : {}) }).then((ack) => {
      if (ack.ok && !parentId) this.lastOwn.set(userIndex, ack.message.id);
      if (!s) {
        if (ack.ok) t.id = ack.message.id;
        return;
      }
      if (ack.ok) {
        t.acked = true;
        t.id = ack.message.id;
        s.acked++;
        s.ackLatency.record(performance.now() - t.sentAt);
        s.lastAckAt = performance.now();
      } else {
        s.rejected[ack.error.code] = (s.rejected[ack.error.code] ?? 0) + 1;
        if (this.closes.has(userIndex) && ack.error.message.startsWith('socket closed')) s.cutByClose++;
      }
      s.answered++;
      s.checkSettled();
    });
    return t;
  }
}

/** Counters of the step in progress. */
class StepState {
  readonly startedAt = performance.now();
  readonly ids: Tracked[] = [];
  sent = 0;
  answered = 0;
  acked = 0;
  delivered = 0;
  duplicates = 0;
  redelivered = 0;
  updates = 0;
  /** Sends answered UNAVAILABLE by the generator itself: the sender's socket closed first. */
  cutByClose = 0;
  readonly changes = { sent: 0, answered: 0, acknowledged: 0, rejected: {} as Record<string, number> };
  lastAckAt = performance.now();
  lastDeliveryAt = performance.now();
  readonly rejected: Record<string, number> = {};
  readonly perSecond: number[] = [];
  readonly latency = new LatencyRecorder();
  readonly shippedLatency = new LatencyRecorder();
  readonly ackLatency = new LatencyRecorder();
  sendingEnded = false;
  readonly settled: Promise<void>;
  private resolveSettled!: () => void;

  constructor(o: StepOptions) {
    this.settled = new Promise((resolve) => (this.resolveSettled = resolve));
    // Stragglers that never come are the loss this benchmark exists to catch: stop waiting eventually.
    const timeout = o.durationMs + (o.settleTimeoutMs ?? 15_000);
    setTimeout(() => this.resolveSettled(), timeout).unref();
  }

  deliveredOfAcked(): number {
    return this.ids.reduce((sum, t) => sum + (t.acked ? t.deliveries : 0), 0);
  }

  /** Settled once every send is answered and every acknowledged message reached every member. */
  checkSettled(): void {
    if (!this.sendingEnded || this.answered < this.sent || this.changes.answered < this.changes.sent) return;
    if (this.delivered < this.acked * (this.ids[0]?.seen.length ?? 0)) return;
    this.resolveSettled();
  }

  /** Ends the wait for stragglers (every member still open has everything). */
  settle(): void {
    this.resolveSettled();
  }
}
