import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import {
  type Ack,
  assistantStreamSchema,
  type ChatMessage,
  type ClientToServerEvents,
  describeIssue,
  type InterServerEvents,
  type PublicUser,
  type Room,
  roomChannel,
  roomRefSchema,
  type ServerToClientEvents,
  type SocketData,
  userChannel,
} from '@chat/protocol';
import { AppError, type Logger, toAppError } from '@chat/service-kit';
import type { TokenService } from '../auth/tokens';
import type { GatewayConfig } from '../config';
import type { Metrics } from '../metrics';
import type { RoomRepository } from '../store/rooms';
import type { UserRepository } from '../store/users';
import { createMissedMessages } from './missed-messages';
import { sendMessage, type SendMessageDeps } from './send-message';

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Most client events one socket may send per second before they are refused locally (no Redis cost). */
const EVENTS_PER_SECOND = 50;
/** A socket's typing notices are forwarded at most this often per room. */
const TYPING_INTERVAL_MS = 1_000;
/** Most stream entries read to replay one reconnecting socket's missed messages. */
const REPLAY_MAX_ENTRIES = 5_000;
/** The largest Socket.IO packet accepted: a 4000-character message in 4-byte UTF-8 plus the envelope. */
const MAX_PACKET_BYTES = 20_000;
/**
 * A service socket (the assistant) answers every room: it may send this many times the configured
 * per-user messages per window, and its stream pieces skip the per-socket event budget.
 */
const SERVICE_RATE_FACTOR = 100;

export interface SocketServerDeps {
  config: GatewayConfig;
  redis: Redis;
  tokens: TokenService;
  users: UserRepository;
  rooms: RoomRepository;
  send: Omit<SendMessageDeps, 'broadcast'>;
  metrics: Metrics;
  log: Logger;
  /** True from SIGTERM on: new connections are refused so that clients go to another gateway. */
  isDraining: () => boolean;
}

/** What the REST side tells the real-time side when memberships or accounts change (on every gateway). */
export interface RoomEvents {
  joined(userId: string, room: Room): void;
  left(userId: string, roomId: string): void;
  /** The account is gone: its open sockets are closed, so they can no longer send with a token that outlived it. */
  accountDeleted(userId: string): void;
}

export function createSocketServer(httpServer: http.Server, deps: SocketServerDeps): { io: ChatServer; roomEvents: RoomEvents } {
  const { config, log, metrics } = deps;
  const prefix = config.REDIS_KEY_PREFIX;
  const streamName = `${prefix}socket.io`;
  const missed = createMissedMessages(deps.redis, streamName, REPLAY_MAX_ENTRIES);
  /** Per restored session (its private id): the last stream entry Socket.IO replayed to it. */
  const restoredUpTo = new Map<string, string>();
  const io: ChatServer = new Server(httpServer, {
    path: '/socket.io',
    cors: { origin: config.CORS_ORIGIN, credentials: true },
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // A draining gateway takes no new connection, not even one a proxy sends over a kept-alive upstream
    // connection: refused at the transport, the client's own reconnection tries again, elsewhere.
    allowRequest: (_req, callback) => callback(deps.isDraining() ? 'draining' : null, !deps.isDraining()),
    connectionStateRecovery: { maxDisconnectionDuration: config.RECOVERY_WINDOW_MS, skipMiddlewares: true },
    adapter: rememberingRestores(
      createAdapter(deps.redis, {
        streamName,
        channelPrefix: `${prefix}socket.io`,
        sessionKeyPrefix: `${prefix}sio:session:`,
        maxLen: config.REDIS_STREAM_MAXLEN,
        onlyPlaintext: true,
      }),
      restoredUpTo,
    ),
  });

  // Tells nginx (and tests) which gateway answered: the sticky-session cookie is derived from it.
  const tagResponse = (headers: Record<string, string>) => void (headers['x-gateway-id'] = config.GATEWAY_ID);
  io.engine.on('initial_headers', tagResponse);
  io.engine.on('headers', tagResponse);
  // Engine.IO keeps the upgrade request (headers, URL, parser state) for the connection's whole life;
  // nothing here reads it after the handshake, and idle sockets are what a gateway holds most of.
  io.engine.on('connection', (raw: { request: unknown }) => void (raw.request = null));

  /** The rooms of a socket, read during its handshake and joined the moment it connects. */
  const handshakeRooms = new WeakMap<ChatSocket, string[]>();

  io.use(async (socket, next) => {
    try {
      const token: unknown = socket.handshake.auth?.token;
      const claimed = deps.tokens.verify(typeof token === 'string' ? token : undefined);
      const user = await deps.users.findById(claimed.id);
      if (!user) throw new AppError('UNAUTHORIZED', 'this account no longer exists');
      socket.data.user = user;
      socket.data.role = claimed.role;
      // Looked up before the client is told it is connected, joined synchronously as it connects (below):
      // joining after an await left a moment in which the client was connected but not yet in its rooms,
      // and a message broadcast then never reached it (the fault suite caught one on a first connection).
      handshakeRooms.set(socket, await deps.rooms.memberRoomIds(user.id));
      next();
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === 'INTERNAL') log.error({ err: error }, 'handshake failed');
      const refusal = new Error(appError.code) as Error & { data: unknown };
      refusal.data = appError.toBody();
      next(refusal);
    }
  });

  // Broadcasts between gateways pass through a Redis stream. When the connection to Redis comes back after
  // a loss, what was broadcast meanwhile (or lost with a restarted Redis) never reached this gateway's
  // sockets: closing their transports makes every client reconnect and catch up (replay from the stream,
  // or history), as after a gateway restart. The fault suite saw a member miss a message otherwise.
  let lostRedis = false;
  deps.redis.on('close', () => void (lostRedis = true));
  deps.redis.on('ready', () => {
    if (!lostRedis) return;
    lostRedis = false;
    const sockets = [...io.sockets.sockets.values()];
    log.warn({ sockets: sockets.length }, 'redis is back: reconnecting clients so they catch up');
    for (const socket of sockets) socket.conn.close(); // the transport, not the socket: clients come back
  });

  const broadcast = (message: ChatMessage) => io.to(roomChannel(message.roomId)).emit('message:new', message);
  const sendDeps: SendMessageDeps = { ...deps.send, broadcast };

  io.on('connection', (socket) => {
    metrics.connections.inc();
    const user = socket.data.user;
    const isService = socket.data.role === 'service';
    const events = new EventBudget(EVENTS_PER_SECOND);
    // A service socket joins no rooms: it may post to any room it is asked to answer in.
    const canPostTo = isService ? () => true : (roomId: string) => socket.rooms.has(roomChannel(roomId));
    const sendRateLimit = isService ? config.MESSAGE_RATE_LIMIT * SERVICE_RATE_FACTOR : undefined;
    const lastTyping = new Map<string, number>();

    // A recovered socket is back in the rooms of its session. Any other joins now, in the tick in which
    // Socket.IO sent the client its CONNECT: no broadcast can come between.
    const roomIds = handshakeRooms.get(socket) ?? [];
    handshakeRooms.delete(socket);
    const setup = socket.recovered ? Promise.resolve() : Promise.resolve(socket.join([userChannel(user.id), ...roomIds.map(roomChannel)]));
    // Presence is best effort: counting the user's sockets asks every gateway, and one that is shutting
    // down may not answer. That must not cost the connection (it used to disconnect the socket, which a
    // client does not undo by itself: the fault suite's rolling restart lost a member that way).
    setup
      .then(() => replayMissed(socket))
      .then(() => announcePresence(user, 'online'))
      .catch((error: unknown) => log.warn({ err: error, userId: user.id }, 'could not announce presence'));

    socket.on('message:send', (input, ack) => {
      if (typeof ack !== 'function') return; // a send without an ack cannot be answered; ignore it
      const timer = metrics.sendSeconds.startTimer();
      const refuse = (error: unknown) => {
        const appError = toAppError(error);
        metrics.errors.inc({ code: appError.code });
        metrics.messages.inc({ result: 'rejected' });
        if (appError.code === 'INTERNAL') log.error({ err: error, userId: user.id }, 'message:send failed');
        ack({ ok: false, error: appError.toBody() });
      };
      if (!events.take()) return refuse(new AppError('RATE_LIMITED', 'too many events: slow down'));
      setup
        .then(() => sendMessage(sendDeps, user, canPostTo, input, sendRateLimit))
        .then((message) => {
          // Receivers clear the sender's "typing" on a new message: the next keystroke must reach them again.
          lastTyping.delete(message.roomId);
          ack({ ok: true, message });
        }, refuse)
        .finally(timer);
    });

    socket.on('typing:start', (input) => {
      if (!events.take()) return;
      const parsed = roomRefSchema.safeParse(input);
      if (!parsed.success || !socket.rooms.has(roomChannel(parsed.data.roomId))) return;
      const now = Date.now();
      if (now - (lastTyping.get(parsed.data.roomId) ?? 0) < TYPING_INTERVAL_MS) return;
      lastTyping.set(parsed.data.roomId, now);
      socket.to(roomChannel(parsed.data.roomId)).volatile.emit('typing', { roomId: parsed.data.roomId, user });
    });

    socket.on('presence:list', (input, ack) => {
      if (typeof ack !== 'function') return;
      const answer = ack as (result: Ack<{ online: PublicUser[] }>) => void;
      if (!events.take()) return answer({ ok: false, error: { code: 'RATE_LIMITED', message: 'too many events: slow down' } });
      const parsed = roomRefSchema.safeParse(input);
      if (!parsed.success) return answer({ ok: false, error: { code: 'VALIDATION', message: describeIssue(parsed.error) } });
      if (!socket.rooms.has(roomChannel(parsed.data.roomId))) return answer({ ok: false, error: { code: 'FORBIDDEN', message: 'you are not a member of this room' } });
      io.in(roomChannel(parsed.data.roomId))
        .fetchSockets()
        .then((sockets) => {
          const online = new Map(sockets.map((s) => [s.data.user.id, s.data.user]));
          answer({ ok: true, online: [...online.values()] });
        })
        .catch((error: unknown) => {
          log.warn({ err: error }, 'presence:list failed');
          answer({ ok: false, error: { code: 'UNAVAILABLE', message: 'presence is not available right now' } });
        });
    });

    socket.on('assistant:stream', (input, ack) => {
      const answer = typeof ack === 'function' ? ack : () => undefined;
      if (!isService) {
        metrics.errors.inc({ code: 'FORBIDDEN' });
        return answer({ ok: false, error: { code: 'FORBIDDEN', message: 'only the assistant may stream replies' } });
      }
      const parsed = assistantStreamSchema.safeParse(input);
      if (!parsed.success) return answer({ ok: false, error: { code: 'VALIDATION', message: describeIssue(parsed.error) } });
      // Not volatile: a volatile packet is dropped whenever the socket is still writing the previous one,
      // which is most of the time for pieces a model writes in quick succession (seen in the tests).
      // The worker coalesces pieces (ASSISTANT_STREAM_INTERVAL_MS), which bounds what this costs.
      io.to(roomChannel(parsed.data.roomId)).emit('assistant:stream', { ...parsed.data, sender: user });
      answer({ ok: true });
    });

    socket.on('disconnect', () => {
      metrics.connections.dec();
      announcePresence(user, 'offline').catch((error: unknown) => log.warn({ err: error }, 'presence update failed'));
    });
  });

  /**
   * After a reconnection, once the socket is in its rooms: the messages the client may have missed,
   * from the stream (see missed-messages.ts). A recovered socket got everything up to the end of its
   * restore from Socket.IO, so the replay starts there; a socket without a session, at its own offset.
   */
  async function replayMissed(socket: ChatSocket): Promise<void> {
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
  }


  /**
   * Tells the user's rooms that the user came online (first socket anywhere) or went offline (last socket
   * gone). Counting the user's sockets across gateways through the adapter keeps no state that a crashed
   * gateway could leave stale.
   */
  async function announcePresence(user: PublicUser, status: 'online' | 'offline'): Promise<void> {
    const sockets = await io.in(userChannel(user.id)).fetchSockets();
    if ((status === 'online' && sockets.length !== 1) || (status === 'offline' && sockets.length !== 0)) return;
    const roomIds = await deps.rooms.memberRoomIds(user.id);
    if (roomIds.length > 0) io.to(roomIds.map(roomChannel)).except(userChannel(user.id)).emit('presence', { user, status });
  }

  const roomEvents: RoomEvents = {
    joined(userId, room) {
      io.in(userChannel(userId)).socketsJoin(roomChannel(room.id));
      io.to(userChannel(userId)).emit('room:joined', room);
    },
    left(userId, roomId) {
      io.in(userChannel(userId)).socketsLeave(roomChannel(roomId));
      io.to(userChannel(userId)).emit('room:left', { roomId });
    },
    accountDeleted(userId) {
      io.in(userChannel(userId)).disconnectSockets(true);
    },
  };

  return { io, roomEvents };
}

/**
 * Wraps the adapter factory so that each successful session restore records the last stream entry it
 * replayed (Socket.IO appends each replayed packet's entry id to its arguments), for {@link replayMissed}.
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

/** A token bucket refilled every second: cheap, local protection against a socket flooding events. */
class EventBudget {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
