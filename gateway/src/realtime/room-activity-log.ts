import type { RoomActivity, RoomActivityRecord } from '@chat/protocol';
import { AppError, type Logger } from '@chat/service-kit';
import type { MessageBus } from '../message-bus';
import type { RoomActivityRepository } from '../store/room-activity';
import { produceEvent } from './produce-event';

/** How long an entry waits in the outbox before any gateway's sweep produces it (its own request normally does within milliseconds). */
export const OUTBOX_GRACE_MS = 5_000;
/** How often each gateway sweeps the outbox. */
export const OUTBOX_SWEEP_MS = 5_000;
/** Most entries one sweep produces. */
const SWEEP_BATCH = 200;

/**
 * Puts membership and moderation changes on the event log (`room.activity` records): the change and
 * its outbox row were committed together in PostgreSQL (the authority: a kick holds at once); then
 * the record is made durable in Kafka on the room's key, broadcast to the room as `room:activity` in
 * the tick Kafka acknowledged (the adapter's stream gives it its place among the room's messages), and
 * only then is the outbox row dropped and the REST call answered.
 */
export interface RoomActivityLog {
  /**
   * Publishes every entry of the room still in the outbox, oldest first. Rejects with UNAVAILABLE when
   * Kafka refused: the change is made and its entry stays in the outbox, which a sweep publishes later.
   */
  publishRoom(roomId: string): Promise<void>;
  /** Publishes the entries that waited longer than {@link OUTBOX_GRACE_MS} (a produce that failed, a gateway that died). */
  sweep(): Promise<number>;
  /** Sweeps every {@link OUTBOX_SWEEP_MS} until the returned function is called. */
  startSweeping(): () => Promise<void>;
}

export interface RoomActivityLogDeps {
  activity: RoomActivityRepository;
  bus: MessageBus;
  /** Emits `room:activity` to the room's channel through the adapter; must not await anything first (see produce-event.ts). */
  broadcast(entry: RoomActivity): void;
  log: Logger;
}

/** The record of an entry: what the persister stores is what members were shown. */
export function activityRecord(entry: RoomActivity): RoomActivityRecord {
  return {
    v: 2,
    kind: 'room.activity',
    eventId: entry.id,
    roomId: entry.roomId,
    actorId: entry.actor.id,
    at: entry.at,
    action: entry.action,
    targetId: entry.target?.id ?? null,
    details: entry.details,
  };
}

export function createRoomActivityLog(deps: RoomActivityLogDeps): RoomActivityLog {
  const { activity, bus, broadcast, log } = deps;
  /** Produces the entries (one partition per room: the bus keeps their order); resolves the ids Kafka acknowledged. */
  const produce = async (entries: RoomActivity[]) => {
    const results = await Promise.allSettled(entries.map((entry) => produceEvent(bus, activityRecord(entry), async () => broadcast(entry))));
    return entries.filter((_, i) => results[i]!.status === 'fulfilled').map((e) => e.id);
  };
  /** Produces the entries, then clears them from the outbox. */
  const publish = async (entries: RoomActivity[]) => {
    const done = await produce(entries);
    // On the log already: a failed delete only means the sweep produces the entry again, which the
    // persister and the clients (by id) take as the same entry.
    await activity.published(done).catch((error: unknown) => log.warn({ err: error, entries: done.length }, 'could not clear the activity outbox'));
    return { done: done.length, failed: entries.length - done.length };
  };
  const sweep = async () => {
    let done = 0;
    const claimed = await activity.sweepStale(OUTBOX_GRACE_MS, SWEEP_BATCH, async (entries) => {
      const ids = await produce(entries);
      done = ids.length;
      return ids;
    });
    if (claimed > done) log.warn({ failed: claimed - done }, 'activity entries still not on the log; the next sweep retries');
    return done;
  };
  return {
    async publishRoom(roomId) {
      const { failed } = await publish(await activity.pending(roomId));
      if (failed > 0) {
        throw new AppError('UNAVAILABLE', 'the change is made, but its entry in the room timeline could not be stored yet: it is published within seconds; do not repeat the change', {
          retriable: false,
        });
      }
    },
    sweep,
    startSweeping() {
      let running: Promise<unknown> | undefined;
      const timer = setInterval(() => {
        // One sweep at a time: a slow one (Kafka away) is not stacked on.
        running ??= sweep()
          .catch((error: unknown) => log.warn({ err: error }, 'activity outbox sweep failed'))
          .finally(() => (running = undefined));
      }, OUTBOX_SWEEP_MS);
      timer.unref();
      return async () => {
        clearInterval(timer);
        await running;
      };
    },
  };
}
