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

/** A claim (or a release) waiting for the next write to Redis. */
interface PendingClaim {
  userId: string;
  socketId: string;
  resolve(taken: boolean): void;
  reject(error: unknown): void;
}

/** The claim script under this name on the Redis client (EVALSHA: Redis neither receives nor hashes the text each time). */
const CLAIM_COMMAND = 'chatClaimSocket';
type ClaimRunner = { [CLAIM_COMMAND](key: string, now: number, socketId: string, max: number, leaseMs: number): unknown };

/**
 * The cap on Redis. Claims and releases made in one turn of the event loop (a connect storm's handshakes
 * come in bursts) go out as one pipeline: one write and one read for all of them, not one round trip
 * each. Each claim is still its own script run, atomic as before.
 */
export function createSocketCap(redis: Redis, options: SocketCapOptions): SocketCap {
  const key = (userId: string) => `${options.prefix}user-sockets:${userId}`;
  if (!(CLAIM_COMMAND in redis)) redis.defineCommand(CLAIM_COMMAND, { numberOfKeys: 1, lua: CLAIM });
  let claims: PendingClaim[] = [];
  let releases: PendingClaim[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = claims;
    const gone = releases;
    claims = [];
    releases = [];
    const pipeline = redis.pipeline();
    const now = Date.now();
    for (const c of batch) (pipeline as unknown as ClaimRunner)[CLAIM_COMMAND](key(c.userId), now, c.socketId, options.max, options.leaseMs);
    for (const r of gone) pipeline.zrem(key(r.userId), r.socketId);
    pipeline.exec().then(
      (results) =>
        [...batch, ...gone].forEach((c, i) => {
          const [error, answer] = results?.[i] ?? [new Error('no answer from redis')];
          if (error) c.reject(error);
          else c.resolve(answer === 1);
        }),
      (error: unknown) => [...batch, ...gone].forEach((c) => c.reject(error)),
    );
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    renewEveryMs: Math.max(Math.floor(options.leaseMs / 3), 100),
    claim(userId, socketId) {
      return new Promise<boolean>((resolve, reject) => {
        claims.push({ userId, socketId, resolve, reject });
        schedule();
      });
    },
    release(userId, socketId) {
      return new Promise<void>((resolve, reject) => {
        releases.push({ userId, socketId, resolve: () => resolve(), reject });
        schedule();
      });
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
