import type { Redis } from 'ioredis';
import type { ChatMessage, MessageUpdatedEvent, RoomActivityEvent } from '@chat/protocol';

/** A broadcast to replay, as the event name and payload it was sent with. */
export type MissedEvent = ['message:new', ChatMessage] | ['message:updated', MessageUpdatedEvent] | ['room:activity', RoomActivityEvent];

/** The broadcasts a reconnecting client gets again. */
const REPLAYED: ReadonlySet<string> = new Set<MissedEvent[0]>(['message:new', 'message:updated', 'room:activity']);

/** Entries read per XRANGE call. */
const PAGE = 500;

/** A Socket.IO stream offset (a Redis stream id). */
const OFFSET = /^\d+-\d+$/;

/**
 * Reads, from the Socket.IO Redis stream (every broadcast of every gateway passes through it), the chat
 * messages sent to some rooms after an offset a client last saw.
 *
 * Why: connection state recovery replays missed packets only when the reconnecting client's session is
 * found, and even then a message broadcast while the session is being restored (after the adapter read
 * the stream, before the socket joined its rooms again) reaches nobody. A client whose gateway crashed
 * has no session at all, and the history API cannot show it the messages acknowledged in the last
 * moments, because the persister has not stored them yet. The fault suite lost a delivery each way.
 * Replaying from the stream after the socket joined its rooms closes both gaps: a message is either in
 * the stream by then, or broadcast later to a socket already in its rooms. Clients merge by id, so the
 * few messages this sends twice are harmless.
 */
export interface MissedMessages {
  /**
   * The `message:new`, `message:updated` and `room:activity` broadcasts to any of `rooms` after `offset`
   * (exclusive), oldest first, reading at most `maxEntries` stream entries. Empty for an offset that is
   * not a stream id. (Edits, deletions, reactions and the room's timeline entries must reach a
   * reconnecting client as surely as messages do, in the same order.)
   */
  since(offset: unknown, rooms: ReadonlySet<string>): Promise<MissedEvent[]>;
}

interface StoredBroadcast {
  packet?: { data?: unknown[] };
  opts?: { rooms?: string[]; except?: string[] };
}

/** Reads `streamName` (the adapter's stream; its entries hold plaintext JSON: `onlyPlaintext: true`). */
export function createMissedMessages(redis: Redis, streamName: string, maxEntries: number): MissedMessages {
  return {
    async since(offset, rooms) {
      if (typeof offset !== 'string' || !OFFSET.test(offset)) return [];
      const found: MissedEvent[] = [];
      let start = `(${offset}`;
      for (let read = 0; read < maxEntries; ) {
        const entries = await redis.xrange(streamName, start, '+', 'COUNT', Math.min(PAGE, maxEntries - read));
        for (const [id, fields] of entries) {
          start = `(${id}`;
          const missedEvent = eventOf(fields, rooms);
          if (missedEvent) found.push(missedEvent);
        }
        read += entries.length;
        if (entries.length < PAGE) break;
      }
      return found;
    },
  };
}

/** The event of one stream entry, if it is a replayed kind ({@link REPLAYED}) broadcast to one of `rooms`. */
function eventOf(fields: string[], rooms: ReadonlySet<string>): MissedEvent | undefined {
  const field = (name: string) => {
    const i = fields.indexOf(name);
    return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
  };
  // Type 3 is the adapter's BROADCAST; only the main namespace carries chat messages.
  if (field('type') !== '3' || field('nsp') !== '/') return undefined;
  let broadcast: StoredBroadcast;
  try {
    broadcast = JSON.parse(field('data') ?? '') as StoredBroadcast;
  } catch {
    return undefined;
  }
  const [event, payload] = broadcast.packet?.data ?? [];
  if (!REPLAYED.has(event as string) || !broadcast.opts?.rooms?.some((room) => rooms.has(room))) return undefined;
  return [event, payload] as MissedEvent;
}
