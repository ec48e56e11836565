import type { Redis } from 'ioredis';

/**
 * One round trip counts a prompt against its user's and its room's windows (fixed windows), and says
 * whether it is over either; when it is, whether this is the first refusal of the window (only that
 * one gets a visible reply, so a flood is not answered by a flood).
 * Returns {verdict, retryAfterMs, notify}.
 */
const RATE = `
local limits = { tonumber(ARGV[2]), tonumber(ARGV[3]) }
local verdicts = { 'user', 'room' }
for i = 1, 2 do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i])) > limits[i] then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 1 then ttl = tonumber(ARGV[1]) end
    local first = redis.call('SET', KEYS[i + 2], '1', 'NX', 'PX', ttl)
    return { verdicts[i], ttl, first and 1 or 0 }
  end
end
return { 'ok', 0, 0 }
`;

/** The outcome of {@link PromptGuard.admit}. */
export type Admission = { verdict: 'ok' } | { verdict: 'user' | 'room'; retryAfterMs: number; notify: boolean };

/** Redis-backed checks run before a prompt reaches the model. */
export interface PromptGuard {
  /** True the first time a prompt id is seen (within a day): a redelivered record is answered once. */
  claim(promptId: string): Promise<boolean>;
  /** Forgets a claim, so that a redelivery answers a prompt whose reply could not be delivered. */
  release(promptId: string): Promise<void>;
  /** Counts the prompt against the per-user and per-room limits. */
  admit(userId: string, roomId: string): Promise<Admission>;
}

/** Settings of {@link createPromptGuard}. */
export interface PromptGuardOptions {
  /** The platform's key prefix (REDIS_KEY_PREFIX). */
  prefix: string;
  perUser: number;
  perRoom: number;
  windowMs: number;
  /** How long a prompt id is remembered. Default one day (far longer than any redelivery). */
  claimTtlMs?: number;
}

export function createPromptGuard(redis: Redis, o: PromptGuardOptions): PromptGuard {
  const key = (...parts: string[]) => `${o.prefix}assistant:${parts.join(':')}`;
  return {
    async claim(promptId) {
      return (await redis.set(key('prompt', promptId), '1', 'PX', o.claimTtlMs ?? 86_400_000, 'NX')) === 'OK';
    },
    async release(promptId) {
      await redis.del(key('prompt', promptId));
    },
    async admit(userId, roomId) {
      const [verdict, ttl, notify] = (await redis.eval(
        RATE,
        4,
        key('rl', 'user', userId),
        key('rl', 'room', roomId),
        key('rl-notice', 'user', userId),
        key('rl-notice', 'room', roomId),
        o.windowMs,
        o.perUser,
        o.perRoom,
      )) as [string, number, number];
      if (verdict === 'user' || verdict === 'room') return { verdict, retryAfterMs: Number(ttl), notify: notify === 1 };
      return { verdict: 'ok' };
    },
  };
}
