import { type ChatClient, createChatClient, DEFAULT_ACK_TIMEOUT_MS } from '@chat/client';
import type { AssistantStreamInput, ChatMessage, SendMessageInput } from '@chat/protocol';
import { AppError, type Logger, moduleLogger } from '@chat/service-kit';

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
  /** How long one send waits for its ack, in ms. Default: the client's (below the gateway's Kafka timeout). */
  ackTimeoutMs?: number;
  /** Attempts of one send. Default 6 (about 30 s of backoff and waiting). */
  attempts?: number;
}

/** The gateways did not take a reply: `retriable` (from the code) when trying later may help (they were away or busy). */
export class ReplyRefusedError extends AppError {
  override name = 'ReplyRefusedError';
}

/**
 * Connects to the gateways as the bot, on the platform's one client (`@chat/client`): WebSocket, a
 * freshly signed token at every attempt, and kept connected for the process's life (refused handshakes
 * retried, stuck ones restarted).
 */
export function connectGateway(o: GatewayClientOptions): ReplyChannel {
  const log = moduleLogger(o.logger, 'gateway');
  const client: ChatClient = createChatClient({ url: o.url, token: o.token, transports: ['websocket'], ackTimeoutMs: o.ackTimeoutMs });
  client.onConnect(() => log.info({ url: o.url }, 'connected to the gateway'));
  client.onDisconnect((reason) => log.warn({ reason }, 'disconnected from the gateway'));
  client.onConnectError((error) => log.warn({ err: error }, 'could not connect to the gateway'));
  // A service token the gateway refuses is a configuration error (a JWT secret that differs): say so loudly.
  client.onUnauthorized(() => log.error({ url: o.url }, 'the gateway refused the assistant token; check JWT_SECRET'));
  client.open();

  return {
    // Pieces are worth nothing late: never buffered while disconnected (the final reply is, and is retried).
    stream: (piece) => client.signal('assistant:stream', piece),
    async send(input) {
      const outcome = await client.send(input, {
        attempts: o.attempts ?? 6,
        backoffMinMs: 500,
        backoffMaxMs: 8_000,
        // An attempt while the gateways are away counts as one (TIMEOUT) instead of waiting without limit.
        connectWaitMs: o.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
        onFailure: (f) => log.warn({ roomId: input.roomId, clientMsgId: input.clientMsgId, attempt: f.attempt, reason: `${f.code}: ${f.message}` }, 'reply not accepted yet'),
      });
      if (outcome.ok) return outcome.message;
      // No ack at all (TIMEOUT) is the gateways being away: UNAVAILABLE, which is retriable.
      const code = outcome.error.code === 'TIMEOUT' ? 'UNAVAILABLE' : outcome.error.code;
      throw new ReplyRefusedError(code, `the gateway did not accept the reply: ${outcome.error.code}: ${outcome.error.message}`);
    },
    isConnected: () => client.connected,
    close: () => client.close(),
  };
}
