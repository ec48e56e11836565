import type { Redis } from 'ioredis';

/**
 * Read markers just set, in Redis (`<prefix>read:<userId>:<roomId>`), for as long as the persister
 * could lag: a `room:read` answers with the marker in force at once (forward only, across gateways),
 * and `GET /api/rooms` counts from the newest marker even before PostgreSQL has it. PostgreSQL (the
 * persister's GREATEST) stays the record; this is only the recent past.
 */
export interface RecentMarkers {
  /** The recent marker per room (undefined where Redis has none). */
  get(userId: string, roomIds: readonly string[]): Promise<(string | undefined)[]>;
  /** Sets the marker if `messageId` is past the one held; resolves with the marker now held and whether it moved. */
  advance(userId: string, roomId: string, messageId: string): Promise<{ lastReadId: string; moved: boolean }>;
}

// UUIDv7 in lower-case hex: the string order is the time order.
const ADVANCE = `
local cur = redis.call('GET', KEYS[1])
if cur and cur >= ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {cur, 0}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {ARGV[1], 1}`;

export function createRecentMarkers(redis: Redis, options: { prefix: string; ttlMs: number }): RecentMarkers {
  const key = (userId: string, roomId: string) => `${options.prefix}read:${userId}:${roomId}`;
  return {
    async get(userId, roomIds) {
      if (roomIds.length === 0) return [];
      const values = await redis.mget(...roomIds.map((roomId) => key(userId, roomId)));
      return values.map((v) => v ?? undefined);
    },
    async advance(userId, roomId, messageId) {
      const [lastReadId, moved] = (await redis.eval(ADVANCE, 1, key(userId, roomId), messageId.toLowerCase(), options.ttlMs)) as [string, number];
      return { lastReadId, moved: moved === 1 };
    },
  };
}
