import { BATCH_AUTH_FLAG, type BatchedEvent, type ClientToServerEvents, EVENT_BATCH, type ServerToClientEvents } from '@chat/protocol';
import { io, type Socket } from 'socket.io-client';

/** A socket of the chat's contract: a wrong event name or payload is a compile error. */
export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Where and how a {@link ChatSocket} connects. */
export interface ChatSocketOptions {
  /** The gateways' (or nginx's) URL. Default: the page's own origin (browsers). */
  url?: string;
  /** Default `/socket.io`. */
  path?: string;
  /**
   * The access token to present, asked for at every (re)connection attempt, so a reconnect always
   * presents the current one; it may refresh it first (async). `undefined` connects without one.
   */
  token: () => string | undefined | Promise<string | undefined>;
  /** Default `['websocket', 'polling']`: one long-lived connection, polling as the fallback where WebSocket is blocked. */
  transports?: ('websocket' | 'polling')[];
  /** Headers of the handshake request (Node only; browsers ignore them), e.g. nginx's affinity cookie. */
  extraHeaders?: Record<string, string>;
  /** Socket.IO's own reconnection of a lost connection. Default true. */
  reconnection?: boolean;
  /** First wait of Socket.IO's own reconnection, in ms. Default 500. */
  reconnectionDelayMs?: number;
  /** Longest wait of Socket.IO's own reconnection, in ms. Default 5000. */
  reconnectionDelayMaxMs?: number;
  /**
   * Ask the server to batch events that reach this connection together into one frame (`events:batch`);
   * the socket hands each event to its listeners as if it had come alone, so nothing else changes. Default true.
   */
  batch?: boolean;
}

/**
 * Creates a socket that is not connected yet (the caller registers its listeners first, then calls
 * `connect()`), with a new Manager of its own: two clients in one process never share a connection.
 */
export function createChatSocket(options: ChatSocketOptions): ChatSocket {
  const batchFlag = options.batch === false ? {} : { [BATCH_AUTH_FLAG]: true };
  const settings = {
    path: options.path ?? '/socket.io',
    auth: (send: (data: object) => void) => {
      // A token getter that fails (a refresh that could not complete) connects without a token: the
      // server then refuses with UNAUTHORIZED, which ends the session the way an expired token does.
      Promise.resolve()
        .then(options.token)
        .then(
          (token) => send({ ...(token === undefined ? {} : { token }), ...batchFlag }),
          () => send(batchFlag),
        );
    },
    transports: options.transports ?? ['websocket', 'polling'],
    extraHeaders: options.extraHeaders,
    autoConnect: false,
    forceNew: true,
    reconnection: options.reconnection ?? true,
    reconnectionDelay: options.reconnectionDelayMs ?? 500,
    reconnectionDelayMax: options.reconnectionDelayMaxMs ?? 5_000,
  };
  const socket: ChatSocket = options.url === undefined ? io(settings) : io(options.url, settings);
  socket.on(EVENT_BATCH, (events) => unpackBatch(socket, events));
  return socket;
}

/**
 * Hands each event of a batch to the socket's listeners of its name, in order, with the arguments it
 * would have had on its own frame. Socket.IO then takes the batch's last argument, the last event's
 * offset, as the connection's recovery offset: where it would have been after the last event alone.
 * (`onAny` listeners see the batch itself; nothing here uses them.)
 */
export function unpackBatch(socket: ChatSocket, events: readonly BatchedEvent[]): void {
  if (!Array.isArray(events)) return;
  const untyped = socket as unknown as { listeners(event: string): ((...args: unknown[]) => void)[] };
  for (const event of events) {
    if (!Array.isArray(event) || typeof event[0] !== 'string' || event[0] === EVENT_BATCH) continue;
    const [name, ...args] = event as [string, ...unknown[]];
    // A copy: a `once` listener removes itself from the very array while it runs.
    for (const listener of [...untyped.listeners(name)]) listener.apply(socket, args);
  }
}
