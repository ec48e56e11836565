import type { ChatMessage, SendMessageInput } from '@chat/protocol';
import { type ClientErrorCode, DEFAULT_ACK_TIMEOUT_MS, isRetriable, request } from './acks';
import type { ChatSocket } from './chat-socket';

/** One failed attempt of a send: an error ack, or no ack in time (TIMEOUT). */
export interface SendFailure {
  /** When the attempt failed (ms since the epoch). */
  at: number;
  /** 1 for the first attempt. */
  attempt: number;
  code: ClientErrorCode;
  message: string;
  retriable: boolean;
}

/** How a send is retried; every field has a default. */
export interface ResendOptions {
  /** How long one attempt waits for its ack, in ms. Default {@link DEFAULT_ACK_TIMEOUT_MS}. */
  ackTimeoutMs?: number;
  /** Attempts before giving up on retriable failures. Default: no limit. */
  attempts?: number;
  /** First backoff before a resend, in ms; it doubles up to `backoffMaxMs`. Default 100. */
  backoffMinMs?: number;
  /** Longest backoff, in ms. Default 1000. */
  backoffMaxMs?: number;
  /**
   * How long an attempt waits for the socket to be connected before it counts as a TIMEOUT, in ms.
   * Default: no limit (a send made while offline goes out when the connection is back).
   */
  connectWaitMs?: number;
  /** Told about every failed attempt, retried or not. */
  onFailure?: (failure: SendFailure) => void;
}

/** The end of a send: the stored message, or the last failure and whether trying later may help. */
export type SendOutcome = { ok: true; message: ChatMessage } | { ok: false; error: { code: ClientErrorCode; message: string }; retriable: boolean };

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves true once the socket is connected, false after `timeoutMs`. */
export function whenConnected(socket: ChatSocket, timeoutMs = Infinity): Promise<boolean> {
  if (socket.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onConnect = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          socket.off('connect', onConnect);
          resolve(false);
        }, timeoutMs)
      : undefined;
    socket.once('connect', onConnect);
  });
}

/**
 * Sends a message and resends it with the same {roomId, body, clientMsgId} after a retriable error ack
 * or a missing ack, backing off, until the gateway acknowledges it: the gateway acks a resend with the
 * message claimed first, so it is stored once. Each attempt waits for the socket to be connected first:
 * emitting while disconnected would buffer the packet and send it again on reconnect beside the resend.
 * A failure that trying again cannot fix (VALIDATION, FORBIDDEN...) ends it at once.
 */
export async function sendUntilAcked(socket: ChatSocket, input: SendMessageInput, options: ResendOptions = {}): Promise<SendOutcome> {
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  const attempts = options.attempts ?? Infinity;
  let backoff = options.backoffMinMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    const result = (await whenConnected(socket, options.connectWaitMs))
      ? await request(socket, 'message:send', input, ackTimeoutMs)
      : ({ ok: false, error: { code: 'TIMEOUT', message: `not connected within ${options.connectWaitMs} ms` } } as const);
    if (result.ok) return { ok: true, message: result.message };
    const retriable = isRetriable(result.error.code);
    options.onFailure?.({ at: Date.now(), attempt, code: result.error.code, message: result.error.message, retriable });
    if (!retriable || attempt >= attempts) return { ok: false, error: result.error, retriable };
    await delay(backoff);
    backoff = Math.min(backoff * 2, options.backoffMaxMs ?? 1_000);
  }
}
