import type { Redis } from 'ioredis';

/** Options of {@link createSocketCap}. */
export interface SocketCapOptions {
  prefix: string;
  /** Open sockets one user may hold across every gateway (MAX_SOCKETS_PER_USER). */
  max: number;
  /**
   * How long a socket's lease lasts unless its gateway renews it (every third of it): the sockets of a
   * gateway that crashed stop counting after this long.
   */
  leaseMs: number;
}

/** The per-user socket cap, shared by every gateway. */
export interface SocketCap {
  /** Takes a slot for the socket; false when the user already holds `max` live ones. */
  claim(userId: string, socketId: string): Promise<boolean>;
  release(userId: string, socketId: string): Promise<void>;
  /** Renews the leases of the sockets this gateway holds (call every `renewEveryMs`). */
  renew(sockets: Iterable<{ userId: string; socketId: string }>): Promise<void>;
  readonly renewEveryMs: number;
}

/**
 * A sorted set per user: member = socket id, score = when its lease ends. Expired leases (a crashed
 * gateway's) are dropped before counting, in the same script, so two handshakes racing for the last slot
 * cannot both get it.
 */
const CLAIM = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

export function createSocketCap(redis: Redis, options: SocketCapOptions): SocketCap {
  const key = (userId: string) => `${options.prefix}user-sockets:${userId}`;
  return {
    renewEveryMs: Math.max(Math.floor(options.leaseMs / 3), 100),
    async claim(userId, socketId) {
      const taken = await redis.eval(CLAIM, 1, key(userId), Date.now(), socketId, options.max, options.leaseMs);
      return taken === 1;
    },
    async release(userId, socketId) {
      await redis.zrem(key(userId), socketId);
    },
    async renew(sockets) {
      const pipeline = redis.pipeline();
      const until = Date.now() + options.leaseMs;
      const users = new Set<string>();
      for (const { userId, socketId } of sockets) {
        pipeline.zadd(key(userId), 'XX', until, socketId);
        users.add(userId);
      }
      for (const userId of users) pipeline.pexpire(key(userId), options.leaseMs);
      if (users.size > 0) await pipeline.exec();
    },
  };
}
