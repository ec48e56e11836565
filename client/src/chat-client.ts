import type { ClientToServerEvents, SendMessageInput, ServerToClientEvents } from '@chat/protocol';
import { type AckedEvent, type AckResult, DEFAULT_ACK_TIMEOUT_MS, type PayloadOf, request } from './acks';
import { type ChatSocket, type ChatSocketOptions, createChatSocket } from './chat-socket';
import { keepConnected, type KeepConnectedOptions } from './keep-connected';
import { type ChangeEvent, type ChangeOutcome, changeUntilAcked, type ResendOptions, type SendOutcome, sendUntilAcked } from './resend';

/** Everything a {@link ChatClient} is made of; only `token` is required. */
export interface ChatClientOptions extends ChatSocketOptions, Omit<KeepConnectedOptions, 'onUnauthorized'> {
  /** How long a request waits for its ack, in ms. Default {@link DEFAULT_ACK_TIMEOUT_MS} (why: see there). */
  ackTimeoutMs?: number;
}

/** What a (re)connection brought. */
export interface ConnectInfo {
  /** The first connection of this client. */
  first: boolean;
  /**
   * The server restored the session (connection state recovery) and replays what was missed. When
   * false after a gap, what was missed is only in history: catch up from there and merge by id.
   */
  recovered: boolean;
}

/** The chat's one client: a typed socket kept connected, with typed acks and resends. */
export interface ChatClient {
  /** The underlying socket, for listeners and tests; prefer the methods below. */
  readonly socket: ChatSocket;
  readonly connected: boolean;
  /** Listens to a server event; returns the function that stops listening. */
  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): () => void;
  onConnect(listener: (info: ConnectInfo) => void): void;
  /** The connection dropped (`reason` as Socket.IO names it); it is being brought back. */
  onDisconnect(listener: (reason: string) => void): void;
  /** A handshake failed (refused, or the server unreachable); retried unless it was final. */
  onConnectError(listener: (error: Error) => void): void;
  /** The server refused the token and no fresh one could be had: the session has ended. */
  onUnauthorized(listener: () => void): void;
  /** An acked event, answered by its typed ack or TIMEOUT (never a rejection). */
  request<E extends AckedEvent>(event: E, payload: PayloadOf<E>, timeoutMs?: number): Promise<AckResult<E>>;
  /** Sends a message, resending with the same clientMsgId until acked (see {@link sendUntilAcked}). */
  send(input: SendMessageInput, options?: ResendOptions): Promise<SendOutcome>;
  /** Edits, deletes or reacts, resending until acked (see {@link changeUntilAcked}). */
  change<E extends ChangeEvent>(event: E, payload: PayloadOf<E>, options?: ResendOptions): Promise<ChangeOutcome<E>>;
  /** An event worth nothing late (typing, a reply's growing text): sent only while connected, never buffered. */
  signal<E extends 'typing:start' | 'assistant:stream'>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): void;
  /** Connects; register listeners first, so no event is missed. */
  open(): void;
  /** Disconnects for good. */
  close(): void;
}

/** Creates a client (not connected until `open()`). */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const socket = createChatSocket(options);
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  const unauthorized = new Set<() => void>();
  const keeper = keepConnected(socket, { ...options, onUnauthorized: () => unauthorized.forEach((listener) => listener()) });
  let connections = 0;
  // Registered before any listener of the caller's, so `first` is right when they run.
  socket.on('connect', () => void connections++);

  return {
    socket,
    get connected() {
      return socket.connected;
    },
    on(event, listener) {
      // socket.io's typed `on` cannot relate a generic event name to its listener; the signature above does.
      const untyped = socket as unknown as { on(event: string, l: unknown): void; off(event: string, l: unknown): void };
      untyped.on(event, listener);
      return () => untyped.off(event, listener);
    },
    onConnect: (listener) => socket.on('connect', () => listener({ first: connections === 1, recovered: socket.recovered })),
    onDisconnect: (listener) => socket.on('disconnect', (reason) => listener(reason)),
    onConnectError: (listener) => socket.on('connect_error', (error) => listener(error)),
    onUnauthorized: (listener) => void unauthorized.add(listener),
    request: (event, payload, timeoutMs = ackTimeoutMs) => request(socket, event, payload, timeoutMs),
    send: (input, resend) => sendUntilAcked(socket, input, { ackTimeoutMs, ...resend }),
    change: (event, payload, resend) => changeUntilAcked(socket, event, payload, { ackTimeoutMs, ...resend }),
    signal(event, payload) {
      if (socket.connected) (socket.emit as (event: string, payload: unknown) => void)(event, payload);
    },
    open() {
      keeper.watch();
      socket.connect();
    },
    close() {
      keeper.stop();
      unauthorized.clear();
      socket.disconnect();
    },
  };
}

/**
 * Resolves at the socket's next connection, rejects at its next failed handshake. Both listeners go as
 * soon as either fires: a refusal listener left behind would act on some later failed reconnection,
 * long after the socket had connected.
 */
export function nextConnection(socket: ChatSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const connected = () => {
      socket.off('connect_error', refused);
      resolve();
    };
    const refused = (error: Error) => {
      socket.off('connect', connected);
      reject(error);
    };
    socket.once('connect', connected);
    socket.once('connect_error', refused);
  });
}

/** Opens a client and resolves once it is connected; a first handshake that fails closes it and rejects. */
export async function openChatClient(client: ChatClient): Promise<void> {
  const connected = nextConnection(client.socket);
  client.open();
  await connected.catch((error: unknown) => {
    client.close();
    throw error;
  });
}
