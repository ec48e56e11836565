import type { Redis } from 'ioredis';

/** Fixed-window counter: INCR, and start the window's expiry on its first hit. One round trip. */
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
`;

export interface RateLimitResult {
  allowed: boolean;
  /** When the window resets, in milliseconds (meaningful when not allowed). */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Counts one hit against `key` and says whether it is within the limit. */
  hit(key: string): Promise<RateLimitResult>;
  /** Forgets a key's hits (a successful login clears its failures). */
  reset(key: string): Promise<void>;
}

/**
 * A rate limit shared by every gateway (the counter lives in Redis): at most `limit` hits per key in
 * each window of `windowMs`.
 */
export function createRateLimiter(redis: Redis, name: string, limit: number, windowMs: number, prefix: string): RateLimiter {
  const keyOf = (key: string) => `${prefix}rl:${name}:${key}`;
  return {
    async hit(key) {
      const [count, ttl] = (await redis.eval(HIT, 1, keyOf(key), windowMs)) as [number, number];
      return { allowed: count <= limit, retryAfterMs: Math.max(ttl, 0) };
    },
    async reset(key) {
      await redis.del(keyOf(key));
    },
  };
}
