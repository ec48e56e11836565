import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { ChatMessage, MessageUpdatedEvent, RoomActivityEvent } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { MissedEvent, MissedMessages } from './missed-messages';
import { createRoomLog, LOGGED_EVENTS, type LoggedBroadcast, type RoomLog } from './room-log';

/** The adapter's BROADCAST message type (socket.io-adapter's `MessageType.BROADCAST`). */
const BROADCAST = 3;
/** An event packet (socket.io-parser's `PacketType.EVENT`). */
const EVENT = 2;
/** Most entries read per room to restore or replay one socket. */
const REPLAY_MAX_PER_ROOM = 5_000;
/** What a session-less replay sends (as the streams mode's replay does; a restore sends every logged kind). */
const REPLAYED: ReadonlySet<string> = new Set(['message:new', 'message:updated', 'room:activity']);

/**
 * The shard channel of a Socket.IO room, as the sharded adapter names it in `dynamic` mode
 * (`<prefix>#<nsp>#<room>#`). The live-state scripts publish to it directly; `createShardedFanout`
 * checks at start that the adapter still names it so.
 */
export const shardChannel = (prefix: string, room: string): string => `${prefix}socket.io#/#${room}#`;

/** The parts of the sharded adapter (socket.io-adapter's `ClusterAdapter`) this module extends. */
interface ShardedAdapterInternals {
  uid: string;
  channel: string;
  nsp: { name: string };
  computeChannel(message: ClusterMessage): string;
  dynamicChannel(room: string): string;
  doPublish(message: ClusterMessage): Promise<string>;
  onMessage(message: ClusterMessage & { offset?: unknown }, offset?: string): void;
  addOffsetIfNecessary(packet: { data: unknown[] }, opts: unknown, offset: unknown): void;
  persistSession(session: StoredSession): void;
  restoreSession(pid: string, offset: string): Promise<StoredSession | null>;
}

interface ClusterMessage {
  type: number;
  data?: { requestId?: string; packet?: { type?: number; id?: number; data?: unknown[] }; opts?: { rooms?: string[]; except?: string[]; flags?: { volatile?: boolean } } };
}

/** A session as the adapter stores it (Socket.IO's `Session`), in either mode. */
export interface StoredSession {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
  missedPackets: unknown[][];
}

export interface ShardedFanout {
  /** The adapter factory for the Server's options: a gateway subscribes to the rooms it holds a member of. */
  adapter: (nsp: unknown) => unknown;
  /** What a session-less reconnection is replayed from: the rooms' logs. */
  missed: MissedMessages;
  /** The per-room logs (room-log.ts). */
  log: RoomLog;
  /** Closes the subscriber connection. */
  close(): Promise<void>;
}

export interface ShardedFanoutOptions {
  prefix: string;
  /** The recovery window: how long sessions and log entries are kept. */
  windowMs: number;
  /** Where recovery sessions are stored, as in the streams mode (recovery.ts indexes them per user). */
  sessionKeyPrefix: string;
}

/**
 * Room-sharded fan-out (FANOUT_MODE=sharded, docs/scaling.md): `@socket.io/redis-adapter`'s sharded
 * adapter on Redis 7 sharded pub/sub, `subscriptionMode: 'dynamic'`, so a gateway is sent only the
 * broadcasts of rooms it holds a socket in (and the cluster-wide requests: serverSideEmit, fetchSockets,
 * socketsJoin/Leave, disconnectSockets). It has no connection state recovery; this adds it back:
 *
 * - broadcasts of the kinds a client must not miss are logged per room as they are published
 *   (room-log.ts), and carry their log entry id as the packet's recovery offset, on the origin and on
 *   every receiving gateway alike;
 * - a disconnected socket's session is kept in Redis for the window; a restore reads the session's
 *   rooms' logs after the client's offset and hands Socket.IO the missed packets, as the streams adapter
 *   does from its one stream (recovery.ts then checks and holds them exactly as in the streams mode).
 */
export function createShardedFanout(redis: Redis, options: ShardedFanoutOptions, log: Logger): ShardedFanout {
  const subscriber = redis.duplicate();
  subscriber.on('error', (error: unknown) => log.warn({ err: error }, 'redis subscriber error'));
  const roomLog = createRoomLog(redis, options.windowMs);
  const windowMs = Math.max(1_000, options.windowMs);
  const factory = createShardedAdapter(redis, subscriber, { channelPrefix: `${options.prefix}socket.io`, subscriptionMode: 'dynamic' });

  const adapter = function (nsp: unknown) {
    const a = factory(nsp as never) as unknown as ShardedAdapterInternals;
    if (typeof a.computeChannel !== 'function' || a.dynamicChannel('r') !== shardChannel(options.prefix, 'r')) {
      throw new Error('@socket.io/redis-adapter no longer names shard channels as sharded-fanout.ts expects');
    }
    const publish = a.doPublish.bind(a);
    a.doPublish = (message) => {
      const channel = a.computeChannel(message);
      return channel !== a.channel && isLogged(message) ? roomLog.publish(channel, JSON.stringify(message.data), JSON.stringify(message)) : publish(message);
    };
    // The sharded adapter hands on no offset: a logged broadcast carries its own (room-log.ts).
    const onMessage = a.onMessage.bind(a);
    a.onMessage = (message, offset) => onMessage(message, offset ?? (typeof message.offset === 'string' ? message.offset : undefined));
    // Only a log entry id is an offset: an unlogged broadcast must not move the client's (it would end its recovery).
    const addOffset = a.addOffsetIfNecessary.bind(a);
    a.addOffsetIfNecessary = (packet, opts, offset) => {
      if (typeof offset === 'string' && offset !== '') addOffset(packet, opts, offset);
    };
    a.persistSession = (session) => {
      const { sid, pid, rooms, data } = session;
      redis
        .set(`${options.sessionKeyPrefix}${pid}`, JSON.stringify({ sid, pid, rooms, data }), 'PX', windowMs)
        .catch((error: unknown) => log.warn({ err: error }, 'could not persist a recovery session'));
    };
    a.restoreSession = async (pid, offset) => {
      if (!/^\d+-\d+$/.test(offset)) return null;
      const raw = await redis.getdel(`${options.sessionKeyPrefix}${pid}`);
      if (!raw) return null;
      // A session the streams mode wrote (msgpack) just before a switch of modes is not restored.
      const session = parseSession(raw);
      if (!session) return null;
      const channels = channelsOf(session.rooms, session.sid);
      if (!(await roomLog.has(offset, channels))) return null;
      const entries = await roomLog.since(offset, channels, REPLAY_MAX_PER_ROOM);
      session.missedPackets = entries.filter((entry) => reaches(session.rooms, entry)).map((entry) => [...entry.packet.data, entry.id]);
      return session;
    };
    return a;
  };

  const channelsOf = (rooms: Iterable<string>, socketId: string) => [...rooms].filter((room) => room !== socketId).map((room) => shardChannel(options.prefix, room));

  return {
    adapter,
    log: roomLog,
    missed: {
      async since(offset, rooms) {
        if (typeof offset !== 'string' || !/^\d+-\d+$/.test(offset)) return [];
        const entries = await roomLog.since(offset, channelsOf(rooms, ''), REPLAY_MAX_PER_ROOM);
        return entries.filter((entry) => REPLAYED.has(entry.packet.data[0] as string)).map((entry) => toMissed(entry));
      },
    },
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

function parseSession(raw: string): StoredSession | undefined {
  try {
    const session = JSON.parse(raw) as Partial<StoredSession>;
    return typeof session.sid === 'string' && typeof session.pid === 'string' && Array.isArray(session.rooms) ? (session as StoredSession) : undefined;
  } catch {
    return undefined;
  }
}

/** A broadcast to one room, without an ack, not volatile, of a {@link LOGGED_EVENTS} kind. */
function isLogged(message: ClusterMessage): boolean {
  const { packet, opts, requestId } = message.data ?? {};
  return (
    message.type === BROADCAST &&
    requestId === undefined &&
    packet?.type === EVENT &&
    packet.id === undefined &&
    !opts?.flags?.volatile &&
    LOGGED_EVENTS.has(packet.data?.[0] as string)
  );
}

/** As Socket.IO decides it for a session's missed packets: sent to one of its rooms, and none of them excluded. */
function reaches(rooms: string[], entry: LoggedBroadcast): boolean {
  return entry.opts.rooms.some((room) => rooms.includes(room)) && rooms.every((room) => !entry.opts.except.includes(room));
}

function toMissed(entry: LoggedBroadcast): MissedEvent {
  const [event, payload] = entry.packet.data as [string, ChatMessage | MessageUpdatedEvent | RoomActivityEvent];
  return [event, payload] as MissedEvent;
}
