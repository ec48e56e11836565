import type { Redis } from 'ioredis';
import type { ChatMessage } from '@chat/protocol';

/**
 * One round trip decides what a message:send is: a resend of a known clientMsgId (return the message
 * claimed first, with the same id), over the sender's rate limit, or new (claim the id for it).
 * Stored value: "<committed 0|1>" followed by the message JSON.
 */
const CLAIM = `
local existing = redis.call('GET', KEYS[1])
if existing then return {'existing', existing} end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
if n > tonumber(ARGV[3]) then return {'limited', tostring(redis.call('PTTL', KEYS[2]))} end
redis.call('SET', KEYS[1], '0' .. ARGV[1], 'PX', ARGV[2])
return {'new', ''}
`;

export type ClaimResult =
  | { kind: 'new' }
  | { kind: 'existing'; message: ChatMessage; committed: boolean }
  | { kind: 'limited'; retryAfterMs: number };

export interface MessageClaims {
  /** `rateLimit` overrides the configured messages per window (service senders answer many rooms). */
  claim(message: ChatMessage, rateLimit?: number): Promise<ClaimResult>;
  /** Marks a claimed message as durable in Kafka, so later resends are acked without producing again. */
  commit(message: ChatMessage): Promise<void>;
}

export interface MessageClaimOptions {
  prefix: string;
  /** How long a clientMsgId is remembered (the window in which resends are recognized). */
  dedupeWindowMs: number;
  rateLimit: number;
  rateWindowMs: number;
}

export function createMessageClaims(redis: Redis, o: MessageClaimOptions): MessageClaims {
  const claimKey = (m: ChatMessage) => `${o.prefix}msg:${m.sender.id}:${m.clientMsgId}`;
  const rateKey = (m: ChatMessage) => `${o.prefix}rl:msg:${m.sender.id}`;
  return {
    async claim(message, rateLimit = o.rateLimit) {
      const [kind, value] = (await redis.eval(CLAIM, 2, claimKey(message), rateKey(message), JSON.stringify(message), o.dedupeWindowMs, rateLimit, o.rateWindowMs)) as [string, string];
      if (kind === 'existing') return { kind, committed: value.startsWith('1'), message: JSON.parse(value.slice(1)) as ChatMessage };
      if (kind === 'limited') return { kind, retryAfterMs: Math.max(Number(value), 0) };
      return { kind: 'new' };
    },
    async commit(message) {
      await redis.set(claimKey(message), `1${JSON.stringify(message)}`, 'KEEPTTL', 'XX');
    },
  };
}
