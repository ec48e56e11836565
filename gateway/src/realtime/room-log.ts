import type { Redis } from 'ioredis';

/**
 * The per-room replay log of sharded fan-out (FANOUT_MODE=sharded, docs/scaling.md). The sharded
 * adapter publishes each room's broadcasts on a channel of their own (Redis sharded pub/sub), which
 * keeps nothing: a reconnecting client would have nothing to be replayed from. So every broadcast of a
 * kind a client must not miss ({@link LOGGED_EVENTS}) is appended to its channel's capped stream and
 * published in one script: the log's order is the channel's order, and a client's recovery offset
 * (the entry id, appended to the packet as the streams adapter appends its stream id) says how far
 * it got. The stream is hash-tagged with the channel, so on Redis Cluster both live on the room's shard.
 *
 * The log keeps what the recovery window needs and nothing more: entries older than the window are
 * trimmed as new ones come (MINID), and a room quiet for a whole window loses its log (PEXPIRE). A
 * session is restorable only within the window, and what was logged before the client disconnected
 * had reached it, so nothing a restore needs is ever trimmed.
 */

/** The broadcasts a reconnecting client is replayed in sharded mode: the room's timeline and the user's own state. */
export const LOGGED_EVENTS: ReadonlySet<string> = new Set([
  'message:new',
  'message:updated',
  'room:activity',
  'room:updated',
  'member:updated',
  'room:joined',
  'room:left',
  'invitation:new',
  'room:read',
  'mention:new',
]);

/** The log of one shard channel: `{<channel>}:log`, in the channel's hash slot. */
export const roomLogKey = (channel: string): string => `{${channel}}:log`;

/**
 * Lua: `logAndPublish(key, channel, data, message, windowMs)` appends `data` (the broadcast's
 * `{packet, opts}` JSON) to the log, publishes `message` (the adapter's JSON message) with the entry id
 * as its `offset`, and returns the id. Shared by the adapter's publish and the live-state scripts.
 */
export const ROOM_LOG_LUA = `
local function logAndPublish(key, channel, data, message, windowMs)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local id = redis.call('XADD', key, 'MINID', '~', string.format('%d', now - tonumber(windowMs)), '*', 'data', data)
  redis.call('PEXPIRE', key, windowMs)
  redis.call('SPUBLISH', channel, string.sub(message, 1, -2) .. ',"offset":"' .. id .. '"}')
  return id
end
`;

const PUBLISH_LOGGED = `${ROOM_LOG_LUA}
return logAndPublish(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])`;

/** One logged broadcast, as the adapter stored it. */
export interface LoggedBroadcast {
  /** The entry id: the broadcast's recovery offset. */
  id: string;
  packet: { type?: number; data: unknown[]; nsp?: string };
  opts: { rooms: string[]; except: string[] };
}

/*
 * A client's offset is the id of the last logged broadcast it got, from whichever of its rooms; every
 * room's log is read after it. Ids of different logs come from one clock (the Redis server's), and one
 * connection delivers a gateway the broadcasts of every room in the order Redis ran them, so whatever
 * a room logged before that id had reached the client: the same bound the streams mode's one stream
 * gives. On Redis Cluster each shard has its own clock and connection: there, the client must send its
 * last id per room (docs/scaling.md, "Switch").
 */

/** Orders stream ids of different logs by their time, then their sequence. */
export function compareOffsets(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

export interface RoomLog {
  /** Logs and publishes one broadcast on its shard channel (see {@link ROOM_LOG_LUA}); resolves to its offset. */
  publish(channel: string, data: string, message: string): Promise<string>;
  /**
   * The logged broadcasts to any of `channels` after the offset `after` (exclusive), oldest first
   * across the logs, at most `maxPerRoom` per room.
   */
  since(after: string, channels: Iterable<string>, maxPerRoom: number): Promise<LoggedBroadcast[]>;
  /**
   * Whether one of the logs still holds the entry `offset`: the logs go on from where the client left
   * them. After a Redis restart (or past the window) none does, and what was published meanwhile may be
   * missing from them too: such a client is not restored, and reloads history (as the streams adapter
   * refuses an offset its stream no longer has).
   */
  has(offset: string, channels: Iterable<string>): Promise<boolean>;
}

/** The room logs on `redis`, trimmed to `windowMs` (the recovery window). */
export function createRoomLog(redis: Redis, windowMs: number): RoomLog {
  const window = String(Math.max(1_000, windowMs));
  return {
    async publish(channel, data, message) {
      return (await redis.eval(PUBLISH_LOGGED, 1, roomLogKey(channel), channel, data, message, window)) as string;
    },
    async since(after, channels, maxPerRoom) {
      const pipeline = redis.pipeline();
      const list = [...channels];
      for (const channel of list) pipeline.xrange(roomLogKey(channel), `(${after}`, '+', 'COUNT', maxPerRoom);
      const results = (await pipeline.exec()) ?? [];
      const found: LoggedBroadcast[] = [];
      for (const [error, entries] of results) {
        if (error) throw error;
        for (const [id, fields] of entries as [string, string[]][]) {
          const broadcast = parse(fields[1]);
          if (broadcast) found.push({ id, ...broadcast });
        }
      }
      // Each log is in order; a stable sort by id interleaves them and keeps each room's order.
      return found.sort((a, b) => compareOffsets(a.id, b.id));
    },
    async has(offset, channels) {
      const pipeline = redis.pipeline();
      for (const channel of channels) pipeline.xrange(roomLogKey(channel), offset, offset);
      const results = (await pipeline.exec()) ?? [];
      return results.some(([error, entries]) => !error && Array.isArray(entries) && entries.length > 0);
    },
  };
}

function parse(data: string | undefined): Omit<LoggedBroadcast, 'id'> | undefined {
  try {
    const value = JSON.parse(data ?? '') as Partial<LoggedBroadcast>;
    if (!Array.isArray(value.packet?.data) || !Array.isArray(value.opts?.rooms)) return undefined;
    return { packet: value.packet, opts: { rooms: value.opts.rooms, except: Array.isArray(value.opts.except) ? value.opts.except : [] } };
  } catch {
    return undefined;
  }
}
