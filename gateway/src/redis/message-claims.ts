import type { Redis } from 'ioredis';
import type { ChatMessage } from '@chat/protocol';

/**
 * One round trip decides what a message:send is: a clientMsgId already used in another room (refused),
 * a resend of a message already durable (return it: same id, not counted), over the sender's rate limit
 * (refused, not counted: a client retrying after an outage must not lock itself out), or a send to make
 * durable: new (claim the id for it) or a resend whose first attempt never reached Kafka. Only sends
 * that go on to Kafka count against the limit, and `release` refunds one that did not get there.
 * Stored value: "<committed 0|1>" followed by the message JSON.
 */
const CLAIM = `
local existing = redis.call('GET', KEYS[1])
if existing and not string.find(existing, ARGV[5], 1, true) then return {'conflict', ''} end
if existing and string.sub(existing, 1, 1) == '1' then return {'existing', existing} end
local n = tonumber(redis.call('GET', KEYS[2]) or '0')
if n >= tonumber(ARGV[3]) then return {'limited', tostring(redis.call('PTTL', KEYS[2]))} end
redis.call('INCR', KEYS[2])
if n == 0 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
if existing then return {'existing', existing} end
redis.call('SET', KEYS[1], '0' .. ARGV[1], 'PX', ARGV[2])
return {'new', ''}
`;

/** Gives back the count of a send that did not reach Kafka (never below zero, never past the window). */
const RELEASE = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

export type ClaimResult =
  | { kind: 'new' }
  | { kind: 'existing'; message: ChatMessage; committed: boolean }
  | { kind: 'limited'; retryAfterMs: number }
  /** The clientMsgId already names a message of this sender in another room. */
  | { kind: 'conflict' };

export interface MessageClaims {
  /** `rateLimit` overrides the configured messages per window (service senders answer many rooms). */
  claim(message: ChatMessage, rateLimit?: number): Promise<ClaimResult>;
  /** Marks a claimed message as durable in Kafka, so later resends are acked without producing again. */
  commit(message: ChatMessage): Promise<void>;
  /** A claimed send that did not reach Kafka: it no longer counts against the sender's rate limit. */
  release(message: ChatMessage): Promise<void>;
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
      // The room as it appears in the stored JSON: a resend must name the room of the message it resends.
      const sameRoom = `"roomId":${JSON.stringify(message.roomId)}`;
      const [kind, value] = (await redis.eval(CLAIM, 2, claimKey(message), rateKey(message), JSON.stringify(message), o.dedupeWindowMs, rateLimit, o.rateWindowMs, sameRoom)) as [string, string];
      if (kind === 'conflict') return { kind };
      if (kind === 'existing') return { kind, committed: value.startsWith('1'), message: JSON.parse(value.slice(1)) as ChatMessage };
      if (kind === 'limited') return { kind, retryAfterMs: Math.max(Number(value), 0) };
      return { kind: 'new' };
    },
    async commit(message) {
      await redis.set(claimKey(message), `1${JSON.stringify(message)}`, 'KEEPTTL', 'XX');
    },
    async release(message) {
      await redis.eval(RELEASE, 1, rateKey(message));
    },
  };
}
