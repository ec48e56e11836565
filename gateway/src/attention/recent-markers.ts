import type { Redis } from 'ioredis';

/**
 * Read markers just set, in Redis (one hash per user, `<prefix>read:<userId>`, room id -> marker), for as
 * long as the persister could lag: a `room:read` answers with the marker in force at once (forward only,
 * across gateways), and `GET /api/rooms` counts from the newest marker even before PostgreSQL has it.
 * PostgreSQL (the persister's GREATEST) stays the record; this is only the recent past.
 */
export interface RecentMarkers {
  /** Every recent marker of the user, by room: one small read for the whole sidebar. */
  all(userId: string): Promise<ReadonlyMap<string, string>>;
  /** The recent marker of one room (undefined where Redis has none). */
  get(userId: string, roomId: string): Promise<string | undefined>;
  /** Sets the marker if `messageId` is past the one held; resolves with the marker now held and whether it moved. */
  advance(userId: string, roomId: string, messageId: string): Promise<{ lastReadId: string; moved: boolean }>;
}

// UUIDv7 in lower-case hex: the string order is the time order. The hash lives for the TTL after the
// user's last read; a field older than that is one PostgreSQL has too, and forward-only reads ignore it.
const ADVANCE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cur >= ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {cur, 0}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {ARGV[2], 1}`;

export function createRecentMarkers(redis: Redis, options: { prefix: string; ttlMs: number }): RecentMarkers {
  // A user's sidebar asked for every room's key (an MGET of 200 keys, ~16 KB of command, for answers that
  // are nearly all nil): one hash answers with only the rooms read lately.
  const key = (userId: string) => `${options.prefix}read:${userId}`;
  return {
    async all(userId) {
      return new Map(Object.entries(await redis.hgetall(key(userId))));
    },
    async get(userId, roomId) {
      return (await redis.hget(key(userId), roomId)) ?? undefined;
    },
    async advance(userId, roomId, messageId) {
      const [lastReadId, moved] = (await redis.eval(ADVANCE, 1, key(userId), roomId, messageId.toLowerCase(), options.ttlMs)) as [string, number];
      return { lastReadId, moved: moved === 1 };
    },
  };
}
