import type { ClientToServerEvents, ServerToClientEvents } from '@chat/protocol';
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
}

/**
 * Creates a socket that is not connected yet (the caller registers its listeners first, then calls
 * `connect()`), with a new Manager of its own: two clients in one process never share a connection.
 */
export function createChatSocket(options: ChatSocketOptions): ChatSocket {
  const settings = {
    path: options.path ?? '/socket.io',
    auth: (send: (data: object) => void) => {
      // A token getter that fails (a refresh that could not complete) connects without a token: the
      // server then refuses with UNAUTHORIZED, which ends the session the way an expired token does.
      Promise.resolve()
        .then(options.token)
        .then(
          (token) => send(token === undefined ? {} : { token }),
          () => send({}),
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
  return options.url === undefined ? io(settings) : io(options.url, settings);
}
