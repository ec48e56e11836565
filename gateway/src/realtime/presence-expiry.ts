import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { type PublicUser, roomChannel, userChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { ChatServer } from './types';

/** Options of {@link startPresenceExpiry}. */
export interface PresenceExpiryOptions {
  prefix: string;
  /**
   * A gateway that has not renewed its entry for this long is dead: its users who have no socket left
   * anywhere are announced offline. Longer than the adapter's heartbeat timeout (10 s), so that counting
   * sockets no longer waits for the dead gateway's answer.
   */
  ttlMs: number;
  /** Where a user's rooms come from (the database: the dead gateway's memory is gone). */
  memberRoomIds(userId: string): Promise<string[]>;
}

/** What the connection handler tells it: a people socket opened or closed on this gateway. */
export interface PresenceExpiry {
  opened(user: PublicUser): void;
  closed(user: PublicUser): void;
  stop(): void;
}

/**
 * Presence that expires when a gateway dies. A socket that closes is announced by its gateway
 * (presence.ts); a gateway killed outright announces nothing, and the members whose clients did not come
 * back elsewhere would stay online for everyone. So each gateway process keeps, in Redis, the users it
 * holds sockets of and a heartbeat; every gateway sweeps for lapsed heartbeats, and the one that removes
 * a dead entry (one ZREM wins) announces offline those of its users who have no socket left anywhere.
 */
export function startPresenceExpiry(io: ChatServer, redis: Redis, log: Logger, o: PresenceExpiryOptions): PresenceExpiry {
  // The process, not GATEWAY_ID: a gateway restarted under the same id must not hide its crash.
  const instance = crypto.randomUUID();
  const registry = `${o.prefix}presence:instances`;
  const usersOf = (id: string) => `${o.prefix}presence:instance-users:${id}`;
  const local = new Map<string, number>();
  const warn = (what: string) => (error: unknown) => log.warn({ err: error }, what);

  const beat = async () => {
    const now = Date.now();
    await redis.multi().zadd(registry, now + o.ttlMs, instance).pexpire(usersOf(instance), o.ttlMs * 3).exec();
    for (const dead of await redis.zrangebyscore(registry, '-inf', now)) {
      if ((await redis.zrem(registry, dead)) === 1) await expire(dead);
    }
  };

  const expire = async (dead: string) => {
    const held = await redis.hgetall(usersOf(dead));
    await redis.del(usersOf(dead));
    const users = Object.values(held).map((json) => JSON.parse(json) as PublicUser);
    if (users.length === 0) return;
    const alive = new Set((await io.in(users.map((u) => userChannel(u.id))).fetchSockets()).map((s) => s.data.user.id));
    const gone = users.filter((u) => !alive.has(u.id));
    // One diff per room, as presence.ts batches them.
    const offlineIn = new Map<string, PublicUser[]>();
    for (const user of gone) for (const roomId of await o.memberRoomIds(user.id)) offlineIn.set(roomId, [...(offlineIn.get(roomId) ?? []), user]);
    for (const [roomId, offline] of offlineIn) io.to(roomChannel(roomId)).emit('presence:diff', { roomId, online: [], offline });
    log.info({ instance: dead, users: users.length, offline: gone.length }, 'a gateway stopped renewing its presence: its users without sockets went offline');
  };

  const timer = setInterval(() => void beat().catch(warn('could not renew or sweep presence')), Math.max(Math.floor(o.ttlMs / 3), 100));
  timer.unref();
  void beat().catch(warn('could not renew or sweep presence'));

  // The users that came and went in one turn of the event loop, written together (a connect storm is one
  // HSET of many fields, not a round trip per user); the last change of a user in the turn wins.
  let changes = new Map<string, string | undefined>();
  const write = () => {
    const batch = changes;
    changes = new Map();
    const added = [...batch].filter(([, json]) => json !== undefined) as [string, string][];
    const removed = [...batch].filter(([, json]) => json === undefined).map(([id]) => id);
    const pipeline = redis.pipeline();
    if (added.length > 0) pipeline.hset(usersOf(instance), Object.fromEntries(added));
    if (removed.length > 0) pipeline.hdel(usersOf(instance), ...removed);
    pipeline
      .exec()
      .then((results) => results?.forEach(([error]) => error && warn('could not record the users for presence expiry')(error)))
      .catch(warn('could not record the users for presence expiry'));
  };
  const change = (userId: string, json: string | undefined) => {
    if (changes.size === 0) setImmediate(write);
    changes.set(userId, json);
  };

  return {
    opened(user) {
      const n = (local.get(user.id) ?? 0) + 1;
      local.set(user.id, n);
      if (n === 1) change(user.id, JSON.stringify(user));
    },
    closed(user) {
      const n = (local.get(user.id) ?? 1) - 1;
      if (n > 0) return void local.set(user.id, n);
      local.delete(user.id);
      change(user.id, undefined);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
