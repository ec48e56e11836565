import { type Ack, type AssistantStreamInput, type ChatMessage, type ClientToServerEvents, type ErrorCode, RETRIABLE_CODES, type SendMessageInput, type ServerToClientEvents } from '@chat/protocol';
import { AppError, type Logger, moduleLogger } from '@chat/service-kit';
import { io, type Socket } from 'socket.io-client';

/** Where replies go: the room, through the gateways (so they take the platform's one durable send path). */
export interface ReplyChannel {
  /** A piece of a reply being written (fire and forget: dropped while disconnected). */
  stream(piece: AssistantStreamInput): void;
  /**
   * Sends the final reply through `message:send` (durable in Kafka, persisted, delivered as `message:new`).
   * Retries retriable refusals and lost acks with the same clientMsgId, so it is sent once; throws when
   * the gateways keep refusing.
   */
  send(input: SendMessageInput): Promise<ChatMessage>;
  isConnected(): boolean;
  close(): void;
}

/** Settings of {@link connectGateway}. */
export interface GatewayClientOptions {
  url: string;
  /** A fresh token at every (re)connection. */
  token(): string;
  logger: Logger;
  /** How long one send waits for its ack. Default 15 000 ms (over the gateway's Kafka timeout). */
  ackTimeoutMs?: number;
  /** Attempts of one send. Default 6 (about 30 s of backoff). */
  attempts?: number;
}

type GatewaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The gateways did not take a reply: `retriable` (from the code) when trying later may help (they were away or busy). */
export class ReplyRefusedError extends AppError {
  override name = 'ReplyRefusedError';
}

/** Connects to the gateways as the bot (WebSocket) and keeps reconnecting for the process's life. */
export function connectGateway(o: GatewayClientOptions): ReplyChannel {
  const log = moduleLogger(o.logger, 'gateway');
  const socket: GatewaySocket = io(o.url, {
    path: '/socket.io',
    transports: ['websocket'],
    auth: (cb) => cb({ token: o.token() }),
    reconnection: true,
    reconnectionDelayMax: 5_000,
  });
  socket.on('connect', () => log.info({ url: o.url }, 'connected to the gateway'));
  socket.on('disconnect', (reason) => log.warn({ reason }, 'disconnected from the gateway'));
  socket.on('connect_error', (error) => log.warn({ err: error }, 'could not connect to the gateway'));
  const ackTimeoutMs = o.ackTimeoutMs ?? 15_000;
  const attempts = o.attempts ?? 6;

  return {
    stream(piece) {
      // Pieces are worth nothing late: never buffered while disconnected (the final reply is, and is retried).
      if (socket.connected) socket.emit('assistant:stream', piece);
    },
    async send(input) {
      let last = 'no attempt';
      let code: ErrorCode = 'UNAVAILABLE';
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const result = (await socket.timeout(ackTimeoutMs).emitWithAck('message:send', input)) as Ack<{ message: ChatMessage }>;
          if (result.ok) return result.message;
          last = `${result.error.code}: ${result.error.message}`;
          code = result.error.code;
          if (!RETRIABLE_CODES.has(code)) break;
        } catch (error) {
          code = 'UNAVAILABLE';
          last = `no ack within ${ackTimeoutMs} ms (${String(error)})`; // disconnected, or the gateway is slow: resend
        }
        log.warn({ roomId: input.roomId, clientMsgId: input.clientMsgId, attempt, reason: last }, 'reply not accepted yet; retrying');
        if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** (attempt - 1), 8_000)));
      }
      throw new ReplyRefusedError(code, `the gateway did not accept the reply: ${last}`);
    },
    isConnected: () => socket.connected,
    close: () => void socket.close(),
  };
}
