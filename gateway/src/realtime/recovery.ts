import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { roomChannel, SEND_ACK_TIMEOUT_MS, type SocketData, userChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { GatewayConfig } from '../config';
import type { RoomRepository } from '../store/rooms';
import type { SessionRepository } from '../store/sessions';
import { sessionChannel } from './session-revocation';
import type { UserRepository } from '../store/users';
import { createMissedMessages } from './missed-messages';
import { createShardedFanout, type StoredSession } from './sharded-fanout';
import type { PendingAcks } from './pending-acks';
import type { ChatServer, ChatSocket } from './types';

/** How long a restore's held-back packets wait for the handshake to let the socket in. */
const HELD_RESTORE_MS = 30_000;
/** Most stream entries read to replay one reconnecting socket's missed messages. */
const REPLAY_MAX_ENTRIES = 5_000;

/** How a reconnecting client gets what it missed: Socket.IO's session restore, then a replay from the stream. */
export interface Recovery {
  /** The Redis streams adapter for the Server's options, checking every restore (see `checkedRestores`). */
  adapter: (nsp: unknown) => unknown;
  /**
   * Sends a recovered socket the packets its restored session missed, held back until the handshake
   * re-authenticated it. Call synchronously on connection, before anything else is sent to it, so they
   * come first and in order, as Socket.IO itself would have sent them.
   */
  sendHeldBack(socket: ChatSocket): void;
  /**
   * After a reconnection, once the socket is in its rooms: the messages it may have missed, from the
   * stream (see missed-messages.ts), starting where the restore ended; a socket without a session, at
   * its own offset.
   */
  replayMissed(socket: ChatSocket): Promise<void>;
  /** Ends every recovery session of the user (account deleted, left or removed from a room). */
  forgetSessions(userId: string): Promise<void>;
  /**
   * Broadcasts between gateways pass through the Redis stream: what was broadcast while this gateway's
   * connection to Redis was down (or lost with a restarted Redis) never reached its sockets. When the
   * connection comes back, closing their transports makes every client reconnect and catch up.
   */
  reconnectClientsWhenRedisReturns(io: ChatServer, pendingAcks: PendingAcks): void;
  /** Closes what the adapter opened of its own (the sharded mode's subscriber connection). */
  close(): Promise<void>;
}

export interface RecoveryDeps {
  users: Pick<UserRepository, 'findById'>;
  sessions: Pick<SessionRepository, 'findActive'>;
  rooms: Pick<RoomRepository, 'memberRoomIds'>;
}

/** The Redis stream of the Socket.IO adapter: every broadcast of every gateway is an entry of it. */
export const socketStreamName = (prefix: string): string => `${prefix}socket.io`;

export function createRecovery(redis: Redis, config: GatewayConfig, log: Logger, deps: RecoveryDeps): Recovery {
  const prefix = config.REDIS_KEY_PREFIX;
  const streamName = socketStreamName(prefix);
  const sessionKeyPrefix = `${prefix}sio:session:`;
  /** Per user: the private ids of its recovery sessions, so that they can be ended with the account. */
  const userSessionsKey = (userId: string) => `${prefix}sio:user-sessions:${userId}`;
  // FANOUT_MODE picks the transport between gateways (docs/scaling.md): the one stream every gateway
  // reads, or a shard channel per room with per-room replay logs (sharded-fanout.ts). What follows, the
  // checks of every restore and the replay after a reconnection, is the same for both.
  const sharded =
    config.FANOUT_MODE === 'sharded' ? createShardedFanout(redis, { prefix, windowMs: config.RECOVERY_WINDOW_MS, sessionKeyPrefix }, log) : undefined;
  const missed = sharded?.missed ?? createMissedMessages(redis, streamName, REPLAY_MAX_ENTRIES);
  const restores = new Map<string, HeldRestore>();
  const adapter = checkedRestores(
    (sharded?.adapter ??
      createAdapter(redis, { streamName, channelPrefix: `${prefix}socket.io`, sessionKeyPrefix, maxLen: config.REDIS_STREAM_MAXLEN, onlyPlaintext: true })) as (
      nsp: unknown,
    ) => RestoringAdapter,
    {
      restores,
      async stillValid(session) {
        const user = userOf(session);
        if (!user) return false;
        // A people's socket recovers only while its login session is active (logout ends it).
        const sessionId = (session.data as Partial<SocketData> | undefined)?.sessionId;
        if (!(sessionId ? await deps.sessions.findActive(sessionId) : await deps.users.findById(user.id))) return false;
        // Rooms re-derived from the database: a session restores only the rooms the user is in now. Any
        // change (left, removed, invited while away) means no recovery: the client reloads its rooms and
        // history, and the handshake joins what the database says.
        const own = [session.sid, userChannel(user.id), ...(sessionId ? [sessionChannel(sessionId)] : [])];
        const now = new Set([...own, ...(await deps.rooms.memberRoomIds(user.id)).map(roomChannel)]);
        return session.rooms.length === now.size && session.rooms.every((room) => now.has(room));
      },
      remember(session) {
        const user = userOf(session);
        if (!user) return;
        const key = userSessionsKey(user.id);
        const ttlSeconds = Math.max(1, Math.ceil(config.RECOVERY_WINDOW_MS / 1000));
        redis
          .multi()
          .sadd(key, session.pid)
          .expire(key, ttlSeconds)
          .exec()
          .catch((error: unknown) => log.warn({ err: error, userId: user.id }, 'could not index a recovery session'));
      },
    },
  );

  return {
    adapter,
    sendHeldBack(socket) {
      const pid: unknown = socket.handshake.auth?.pid;
      const held = socket.recovered && typeof pid === 'string' ? restores.get(pid) : undefined;
      if (!held) return;
      // Each packet is [event, ...args, stream offset]: the client keeps the offset for its next recovery.
      for (const packet of held.missedPackets) {
        (socket.emit as (...args: unknown[]) => boolean)(...packet);
        const message = packet[0] === 'message:new' ? (packet[1] as { id?: unknown } | undefined) : undefined;
        if (typeof message?.id === 'string') held.sent.add(message.id);
      }
      held.missedPackets = [];
    },
    async replayMissed(socket) {
      const offset: unknown = socket.handshake.auth?.offset;
      const pid: unknown = socket.handshake.auth?.pid;
      if (typeof offset !== 'string') return; // a first connection: the client loads history
      let from = offset;
      let sent = new Set<string>();
      if (socket.recovered && typeof pid === 'string') {
        const held = restores.get(pid);
        from = held?.upTo ?? offset;
        sent = held?.sent ?? sent;
        restores.delete(pid);
      }
      try {
        // What the restore already sent is not sent twice (the stream read can overlap it).
        for (const [event, payload] of await missed.since(from, socket.rooms)) {
          // Narrowed one by one for the typed emit.
          if (event === 'message:new') {
            if (!sent.has(payload.id)) socket.emit(event, payload);
          } else if (event === 'message:updated') socket.emit(event, payload);
          else socket.emit(event, payload);
        }
      } catch (error) {
        // Best effort: the client still has history; a Redis hiccup must not cost it the connection.
        log.warn({ err: error, userId: socket.data.user.id }, 'could not replay missed messages');
      }
    },
    async forgetSessions(userId) {
      const key = userSessionsKey(userId);
      const pids = await redis.smembers(key);
      await redis.del(key, ...pids.map((pid) => `${sessionKeyPrefix}${pid}`));
    },
    reconnectClientsWhenRedisReturns(io, pendingAcks) {
      let lostRedis = false;
      redis.on('close', () => void (lostRedis = true));
      redis.on('ready', () => {
        if (!lostRedis) return;
        lostRedis = false;
        const sockets = [...io.sockets.sockets.values()];
        log.warn({ sockets: sockets.length }, 'redis is back: reconnecting clients so they catch up');
        // The transport, not the socket: clients come back. Each one once its acks are out (pending-acks.ts).
        for (const socket of sockets) void pendingAcks.closeWhenAnswered(socket, SEND_ACK_TIMEOUT_MS);
      });
    },
    close: async () => sharded?.close(),
  };
}

/** The user a stored session belongs to (its socket's `data`). */
const userOf = (session: StoredSession) => (session.data as Partial<SocketData> | undefined)?.user;

/** What a restore held back until the handshake let the socket in, and the last stream entry it read. */
interface HeldRestore {
  missedPackets: unknown[][];
  upTo: string;
  /** Ids of the messages `sendHeldBack` sent. */
  sent: Set<string>;
}

interface RestoreChecks {
  restores: Map<string, HeldRestore>;
  /** Whether the session's user still exists and its rooms are still the user's rooms. */
  stillValid(session: StoredSession): Promise<boolean>;
  /** Called when a session is persisted (a socket disconnected): indexes it under its user. */
  remember(session: StoredSession): void;
}

/**
 * Wraps the adapter factory so that a restore can never hand a client what it may no longer have.
 * Socket.IO restores a session before any middleware runs and writes its missed packets to the
 * transport at once: a deleted account, or one that left a room while away, got them unchecked.
 * Here a restore whose user is gone or whose rooms changed finds no session; one that is still valid
 * restores the socket's id and data but holds its missed packets back (`replayMissed` sends them once
 * the handshake has re-authenticated the socket). Each restore records the last stream entry it read.
 */
/** The two session methods of a Socket.IO adapter that connection state recovery calls. */
interface RestoringAdapter {
  restoreSession(pid: string, offset: string): Promise<StoredSession | null>;
  persistSession(session: StoredSession): void;
}

function checkedRestores<A extends RestoringAdapter>(factory: (nsp: unknown) => A, checks: RestoreChecks): (nsp: unknown) => A {
  // Socket.IO calls the factory with `new`: an arrow function cannot be, a function returning an object can.
  return function (nsp: unknown) {
    const adapter = factory(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    const persist = adapter.persistSession.bind(adapter);
    adapter.persistSession = (session) => {
      persist(session);
      checks.remember(session);
    };
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!session || !(await checks.stillValid(session))) return null;
      const last = session.missedPackets.at(-1)?.at(-1);
      checks.restores.set(pid, { missedPackets: session.missedPackets, upTo: typeof last === 'string' ? last : offset, sent: new Set() });
      // A handshake that refuses the socket never takes it: do not keep it past any handshake's time.
      setTimeout(() => checks.restores.delete(pid), HELD_RESTORE_MS).unref();
      return { ...session, missedPackets: [] };
    };
    return adapter;
  };
}
