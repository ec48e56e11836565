import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from '@chat/service-kit';
import type { GatewayConfig } from '../config';
import { createMissedMessages } from './missed-messages';
import type { ChatServer, ChatSocket } from './types';

/** Most stream entries read to replay one reconnecting socket's missed messages. */
const REPLAY_MAX_ENTRIES = 5_000;

/** How a reconnecting client gets what it missed: Socket.IO's session restore, then a replay from the stream. */
export interface Recovery {
  /** The Redis streams adapter for the Server's options, remembering how far each restore replayed. */
  adapter: (nsp: unknown) => unknown;
  /**
   * After a reconnection, once the socket is in its rooms: the messages the client may have missed,
   * from the stream (see missed-messages.ts). A recovered socket got everything up to the end of its
   * restore from Socket.IO, so the replay starts there; a socket without a session, at its own offset.
   */
  replayMissed(socket: ChatSocket): Promise<void>;
  /**
   * Broadcasts between gateways pass through the Redis stream: what was broadcast while this gateway's
   * connection to Redis was down (or lost with a restarted Redis) never reached its sockets. When the
   * connection comes back, closing their transports makes every client reconnect and catch up.
   */
  reconnectClientsWhenRedisReturns(io: ChatServer): void;
}

export function createRecovery(redis: Redis, config: GatewayConfig, log: Logger): Recovery {
  const prefix = config.REDIS_KEY_PREFIX;
  const streamName = `${prefix}socket.io`;
  const missed = createMissedMessages(redis, streamName, REPLAY_MAX_ENTRIES);
  /** Per restored session (its private id): the last stream entry Socket.IO replayed to it. */
  const restoredUpTo = new Map<string, string>();
  const adapter = rememberingRestores(
    createAdapter(redis, {
      streamName,
      channelPrefix: `${prefix}socket.io`,
      sessionKeyPrefix: `${prefix}sio:session:`,
      maxLen: config.REDIS_STREAM_MAXLEN,
      onlyPlaintext: true,
    }),
    restoredUpTo,
  );

  return {
    adapter,
    async replayMissed(socket) {
      const offset: unknown = socket.handshake.auth?.offset;
      const pid: unknown = socket.handshake.auth?.pid;
      if (typeof offset !== 'string') return; // a first connection: the client loads history
      let from = offset;
      if (socket.recovered && typeof pid === 'string') {
        from = restoredUpTo.get(pid) ?? offset;
        restoredUpTo.delete(pid);
      }
      try {
        for (const message of await missed.since(from, socket.rooms)) socket.emit('message:new', message);
      } catch (error) {
        // Best effort: the client still has history; a Redis hiccup must not cost it the connection.
        log.warn({ err: error, userId: socket.data.user.id }, 'could not replay missed messages');
      }
    },
    reconnectClientsWhenRedisReturns(io) {
      let lostRedis = false;
      redis.on('close', () => void (lostRedis = true));
      redis.on('ready', () => {
        if (!lostRedis) return;
        lostRedis = false;
        const sockets = [...io.sockets.sockets.values()];
        log.warn({ sockets: sockets.length }, 'redis is back: reconnecting clients so they catch up');
        for (const socket of sockets) socket.conn.close(); // the transport, not the socket: clients come back
      });
    },
  };
}

/**
 * Wraps the adapter factory so that each successful session restore records the last stream entry it
 * replayed (Socket.IO appends each replayed packet's entry id to its arguments), for `replayMissed`.
 */
function rememberingRestores<A extends { restoreSession(pid: string, offset: string): Promise<{ missedPackets: unknown[][] } | null> }>(
  factory: (nsp: unknown) => A,
  restoredUpTo: Map<string, string>,
): (nsp: unknown) => A {
  // Socket.IO calls the factory with `new`: an arrow function cannot be, a function returning an object can.
  return function (nsp: unknown) {
    const adapter = factory(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (session) {
        const last = session.missedPackets.at(-1)?.at(-1);
        restoredUpTo.set(pid, typeof last === 'string' ? last : offset);
      }
      return session;
    };
    return adapter;
  };
}
