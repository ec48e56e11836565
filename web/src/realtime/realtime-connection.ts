import type { Ack, ChatMessage, EditMessageInput, MessageRefInput, PublicUser, ReactionInput, SendMessageInput, ServerToClientEvents } from '@chat/protocol';
import { connectChatSocket, type ChatSocket } from './chat-socket';

/**
 * What the chat logic needs from the real-time link, narrow enough that tests can drive the logic
 * with a plain fake while the app runs on Socket.IO (see `socketConnection`).
 */
export interface RealtimeConnection {
  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): void;
  /** Connected (first time or again); `recovered` tells whether the server replayed what was missed. */
  onConnect(listener: (info: { recovered: boolean }) => void): void;
  onDisconnect(listener: () => void): void;
  /** The server refused the handshake's token (missing, expired or forged). */
  onUnauthorized(listener: () => void): void;
  /** Sends a message; rejects when no ack arrives within `timeoutMs`. */
  sendMessage(input: SendMessageInput, timeoutMs: number): Promise<Ack<{ message: ChatMessage }>>;
  /** Edits one of my messages; rejects when no ack arrives within `timeoutMs`. */
  editMessage(input: EditMessageInput, timeoutMs: number): Promise<Ack<{ message: ChatMessage }>>;
  /** Deletes one of my messages (a tombstone for everyone). */
  deleteMessage(input: MessageRefInput, timeoutMs: number): Promise<Ack>;
  /** Adds (`add`) or takes back my reaction. */
  react(input: ReactionInput, add: boolean, timeoutMs: number): Promise<Ack>;
  startTyping(roomId: string): void;
  /** Who of the room's members is online; rejects when no ack arrives within `timeoutMs`. */
  listPresence(roomId: string, timeoutMs: number): Promise<Ack<{ online: PublicUser[] }>>;
  /** Opens the connection; listeners are registered first, so no event is missed. */
  open(): void;
  close(): void;
}

/** The RealtimeConnection of the running app, over a Socket.IO socket. */
export function socketConnection(socket: ChatSocket): RealtimeConnection {
  const retries = retryRefusedHandshakes(socket);
  return {
    on: (event, listener) => {
      // socket.io's typed `on` cannot relate a generic event name to its listener; the interface above does.
      (socket.on as (event: string, listener: unknown) => void)(event, listener);
    },
    onConnect: (listener) => socket.on('connect', () => listener({ recovered: socket.recovered })),
    onDisconnect: (listener) =>
      socket.on('disconnect', (reason) => {
        // The server closed this socket on purpose (a gateway shutting down, say): socket.io does not
        // reconnect by itself in that case, but a chat client must, to another gateway.
        if (reason === 'io server disconnect') socket.connect();
        listener();
      }),
    onUnauthorized: (listener) =>
      socket.on('connect_error', (error) => {
        if (error.message === 'UNAUTHORIZED') listener();
      }),
    sendMessage: (input, timeoutMs) => socket.timeout(timeoutMs).emitWithAck('message:send', input),
    editMessage: (input, timeoutMs) => socket.timeout(timeoutMs).emitWithAck('message:edit', input),
    deleteMessage: (input, timeoutMs) => socket.timeout(timeoutMs).emitWithAck('message:delete', input),
    react: (input, add, timeoutMs) => socket.timeout(timeoutMs).emitWithAck(add ? 'reaction:add' : 'reaction:remove', input),
    startTyping: (roomId) => {
      // Typing signals are worth nothing late: never buffer them while disconnected.
      if (socket.connected) socket.emit('typing:start', { roomId });
    },
    listPresence: (roomId, timeoutMs) => socket.timeout(timeoutMs).emitWithAck('presence:list', { roomId }),
    open: () => socket.connect(),
    close: () => {
      retries.stop();
      socket.disconnect();
    },
  };
}

/** First and longest wait before trying a refused handshake again, in milliseconds. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;

/**
 * A handshake the server refuses with a temporary error (UNAVAILABLE while a gateway shuts down or its
 * database is away) leaves socket.io's client inactive: it does not try again by itself. A chat client
 * must, with backoff. UNAUTHORIZED is final: the session has ended (onUnauthorized).
 */
function retryRefusedHandshakes(socket: ChatSocket): { stop(): void } {
  let delay = RETRY_MIN_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  socket.on('connect', () => {
    delay = RETRY_MIN_MS;
  });
  socket.on('connect_error', (error) => {
    if (stopped || socket.active || error.message === 'UNAUTHORIZED' || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) socket.connect();
    }, delay);
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  });
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Opens the app's real-time connection on the page's origin. */
export function openRealtimeConnection(getToken: () => string | undefined): RealtimeConnection {
  return socketConnection(connectChatSocket(getToken));
}
