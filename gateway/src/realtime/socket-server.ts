import type http from 'node:http';
import { Server } from 'socket.io';
import { BATCH_AUTH_FLAG, type ChatMessage, roomChannel, userChannel } from '@chat/protocol';
import type { Connection, HandlerDeps } from './connection';
import { timedDeliveries } from './delivery-latency';
import { createMentionNotifier } from '../attention/mention-notifier';
import { EventBudget, UserBudgets } from './event-budget';
import { createFrameBatcher, type EngineWriter } from './frame-batching';
import { createSocketCap, type SocketCap } from '../redis/socket-cap';
import { createPresenceLookup } from './presence-lookup';
import { handleAssistantStream } from './handlers/assistant-stream';
import { handleMessageDelete } from './handlers/message-delete';
import { handleMessageEdit } from './handlers/message-edit';
import { handleMessageSend } from './handlers/message-send';
import { handlePresenceList } from './handlers/presence-list';
import { handleReactionChanges } from './handlers/reaction-change';
import { handleRoomRead } from './handlers/room-read';
import { handleTyping } from './handlers/typing';
import { installHandshake } from './handshake';
import { createPendingAcks } from './pending-acks';
import { createPresence } from './presence';
import { startPresenceExpiry } from './presence-expiry';
import { createRecovery } from './recovery';
import { createRoomEvents } from './room-events';
import { sessionChannel } from './session-revocation';
import type { ChatServer, RoomEvents, SocketServerDeps } from './types';

export type { ChatServer, RoomEvents, SocketServerDeps } from './types';

/** Most client events one user may send per second on one gateway before they are refused locally (no Redis cost). */
const EVENTS_PER_SECOND = 50;
/** How often the server pings each socket, and how long it then waits for the pong (issue 15: within 5 s). */
const PING_INTERVAL_MS = 2_500;
const PING_TIMEOUT_MS = 2_500;
/** The largest Socket.IO packet accepted: a 4000-character message in 4-byte UTF-8 plus the envelope. */
const MAX_PACKET_BYTES = 20_000;
/**
 * A service socket (the assistant) answers every room: it may send this many times the configured
 * per-user messages per window, and its stream pieces skip the per-socket event budget.
 */
const SERVICE_RATE_FACTOR = 100;

/** The Socket.IO server: wires the handshake, recovery, presence, room events and one handler per event. */
export function createSocketServer(
  httpServer: http.Server,
  deps: SocketServerDeps,
): { io: ChatServer; roomEvents: RoomEvents; handOverSockets: (deadline: number) => Promise<void>; closeAdapter: () => Promise<void> } {
  const { config, log, metrics } = deps;
  const recovery = createRecovery(deps.redis, config, log, deps);
  const io: ChatServer = new Server(httpServer, {
    path: '/socket.io',
    cors: { origin: config.CORS_ORIGIN, credentials: true },
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // A dead link is noticed within PING_INTERVAL_MS + PING_TIMEOUT_MS on both sides (the client learns
    // both from the handshake): Socket.IO's defaults (25 s + 20 s) left the app looking online for ~40 s.
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
    // A draining gateway takes no new connection, not even one a proxy sends over a kept-alive upstream
    // connection: refused at the transport, the client's own reconnection tries again, elsewhere.
    allowRequest: (_req, callback) => callback(deps.isDraining() ? 'draining' : null, !deps.isDraining()),
    // Every connection passes the handshake, recovered ones too: a restored session brought back a deleted
    // account and rooms the user had left (recovery.ts checks the restore itself as well).
    connectionStateRecovery: { maxDisconnectionDuration: config.RECOVERY_WINDOW_MS, skipMiddlewares: false },
    adapter: timedDeliveries(recovery.adapter, metrics.deliverSeconds) as never,
  });

  // Tells nginx (and tests) which gateway answered: the sticky-session cookie is derived from it.
  const tagResponse = (headers: Record<string, string>) => void (headers['x-gateway-id'] = config.GATEWAY_ID);
  io.engine.on('initial_headers', tagResponse);
  io.engine.on('headers', tagResponse);
  // Engine.IO keeps the upgrade request (headers, URL, parser state) for the connection's whole life;
  // nothing here reads it after the handshake, and idle sockets are what a gateway holds most of.
  io.engine.on('connection', (raw: { request: unknown }) => void (raw.request = null));

  const socketCap = createSocketCap(deps.redis, { prefix: config.REDIS_KEY_PREFIX, max: config.MAX_SOCKETS_PER_USER, leaseMs: config.SOCKET_LEASE_MS });
  const takeHandshakeRooms = installHandshake(io, { ...deps, socketCap });
  renewLeases(io, socketCap, log);
  const budgets = new UserBudgets(EVENTS_PER_SECOND);
  const pendingAcks = createPendingAcks();
  recovery.reconnectClientsWhenRedisReturns(io, pendingAcks);
  const presence = createPresence(io, log);
  const expiry = startPresenceExpiry(io, deps.redis, log, { prefix: config.REDIS_KEY_PREFIX, ttlMs: config.PRESENCE_TTL_MS, memberRoomIds: (id) => deps.rooms.memberRoomIds(id) });
  const notifyMentions = createMentionNotifier(io, deps.attention.store, log);
  const broadcast = (message: ChatMessage) => {
    io.to(roomChannel(message.roomId)).emit('message:new', message);
    notifyMentions(message);
  };
  const batcher = config.SOCKET_BATCHING
    ? createFrameBatcher({ delayMs: config.SOCKET_BATCH_DELAY_MS, onBatch: (events) => (metrics.batchFrames.inc(), metrics.batchedEvents.inc(events)) })
    : undefined;
  const presenceLookup = createPresenceLookup(io, { onLookup: () => metrics.presenceLookups.inc() });
  // Changes (`message:updated`) are broadcast by the live state's scripts (redis/announce-script.ts).
  const handlerDeps: HandlerDeps = { io, config, metrics, log, presenceLookup, send: { ...deps.send, broadcast } };

  io.on('connection', (socket) => {
    metrics.connections.inc();
    // Before anything is written to it: from here on, every packet to this connection passes in order.
    if (batcher && socket.handshake.auth?.[BATCH_AUTH_FLAG] === true) batcher.adopt(socket.client as unknown as EngineWriter);
    pendingAcks.track(socket);
    recovery.sendHeldBack(socket);
    const user = socket.data.user;
    const isService = socket.data.role === 'service';
    // Joins the rooms the handshake read from the database now, in the tick in which Socket.IO sent the
    // client its CONNECT: no broadcast can come between. A recovered socket is in its session's rooms,
    // which recovery.ts found equal to these; any other room it still had is left.
    const rooms = new Set([socket.id, userChannel(user.id), ...takeHandshakeRooms(socket).map(roomChannel)]);
    if (socket.data.sessionId) rooms.add(sessionChannel(socket.data.sessionId)); // ending the session disconnects it
    for (const room of socket.rooms) if (!rooms.has(room)) socket.leave(room);
    const ready = Promise.resolve(socket.join([...rooms]));
    const conn: Connection = {
      socket,
      user,
      isService,
      events: isService ? new EventBudget(EVENTS_PER_SECOND) : budgets.acquire(user.id),
      canPostTo: isService ? () => true : (roomId) => socket.rooms.has(roomChannel(roomId)),
      sendRateLimit: isService ? config.MESSAGE_RATE_LIMIT * SERVICE_RATE_FACTOR : undefined,
      ready,
      lastTyping: new Map(),
    };
    ready
      .then(() => recovery.replayMissed(socket))
      .then(() => socket.connected && presence.changed(user, 'opened', socket.rooms))
      .catch((error: unknown) => log.warn({ err: error, userId: user.id }, 'could not replay missed messages'));

    handleMessageSend(conn, handlerDeps);
    handleMessageEdit(conn, handlerDeps);
    handleMessageDelete(conn, handlerDeps);
    handleReactionChanges(conn, handlerDeps);
    handleTyping(conn);
    handlePresenceList(conn, handlerDeps);
    handleAssistantStream(conn, handlerDeps);
    handleRoomRead(conn, handlerDeps, { bus: deps.send.bus, markers: deps.attention.markers });

    // The socket's rooms are still known while it is disconnecting, and gone by 'disconnect'.
    socket.on('disconnecting', () => presence.changed(user, 'closed', socket.rooms));
    if (!isService) expiry.opened(user);
    socket.on('disconnect', () => {
      metrics.connections.dec();
      if (isService) return;
      expiry.closed(user);
      budgets.release(user.id);
      socketCap.release(user.id, socket.id).catch((error: unknown) => log.warn({ err: error, userId: user.id }, 'could not release a socket slot'));
    });
  });

  /** A graceful stop: each transport is closed once its acks are out, so clients resume elsewhere with their answers. */
  async function handOverSockets(deadline: number): Promise<void> {
    const sockets = [...io.of('/').sockets.values()];
    // Acks still owed at the end get a quarter of the grace (at most 500 ms) less: sessions need it to be saved.
    const ackWaitMs = Math.max(deadline - Date.now(), 0);
    await Promise.all(sockets.map((socket) => pendingAcks.closeWhenAnswered(socket, ackWaitMs - Math.min(500, ackWaitMs / 4))));
    io.engine.close(); // what is left: connections still in their handshake
    while (io.engine.clientsCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  return { io, roomEvents: createRoomEvents(io, recovery, log), handOverSockets, closeAdapter: () => recovery.close() };
}

/** Renews the socket-cap leases of this gateway's people sockets, so that only a crashed gateway's lapse. */
function renewLeases(io: ChatServer, cap: SocketCap, log: SocketServerDeps['log']): void {
  const timer = setInterval(() => {
    const held = [...io.of('/').sockets.values()].filter((s) => s.data.role !== 'service').map((s) => ({ userId: s.data.user.id, socketId: s.id }));
    cap.renew(held).catch((error: unknown) => log.warn({ err: error }, 'could not renew socket leases'));
  }, cap.renewEveryMs);
  timer.unref();
}
