import type { ChatMessage, SendMessageInput } from '@chat/protocol';
import { type AckedEvent, type AckOf, type ClientErrorCode, DEFAULT_ACK_TIMEOUT_MS, isRetriable, type PayloadOf, request } from './acks';
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
  const result = await requestUntilAcked(socket, 'message:send', input, options);
  return result.ok ? { ok: true, message: result.ack.message } : result;
}

/** The events that change a message (see {@link changeUntilAcked}). */
export type ChangeEvent = 'message:edit' | 'message:delete' | 'reaction:add' | 'reaction:remove';

/** The end of a change: its ack, or the last failure and whether trying later may help. */
export type ChangeOutcome<E extends ChangeEvent> = { ok: true; ack: Extract<AckOf<E>, { ok: true }> } | { ok: false; error: { code: ClientErrorCode; message: string }; retriable: boolean };

/**
 * Edits, deletes or reacts, resending the same payload until acknowledged, as {@link sendUntilAcked}
 * does. Resending is safe because every change sets a state rather than adding to one: the same body,
 * the same reaction present or not. A deletion resent after an attempt that got no answer may find the
 * message deleted already (NOT_FOUND): the first attempt did it, so that counts as done.
 */
export async function changeUntilAcked<E extends ChangeEvent>(socket: ChatSocket, event: E, payload: PayloadOf<E>, options: ResendOptions = {}): Promise<ChangeOutcome<E>> {
  let unanswered = false;
  const result = await requestUntilAcked(socket, event, payload, {
    ...options,
    onFailure: (failure) => {
      unanswered ||= failure.code === 'TIMEOUT';
      options.onFailure?.(failure);
    },
  });
  if (!result.ok && event === 'message:delete' && unanswered && result.error.code === 'NOT_FOUND') return { ok: true, ack: { ok: true } as Extract<AckOf<E>, { ok: true }> };
  return result;
}

/** One acked event, resent unchanged after retriable failures until acknowledged (see sendUntilAcked). */
async function requestUntilAcked<E extends AckedEvent>(
  socket: ChatSocket,
  event: E,
  payload: PayloadOf<E>,
  options: ResendOptions,
): Promise<{ ok: true; ack: Extract<AckOf<E>, { ok: true }> } | { ok: false; error: { code: ClientErrorCode; message: string }; retriable: boolean }> {
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  const attempts = options.attempts ?? Infinity;
  let backoff = options.backoffMinMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    const result = ((await whenConnected(socket, options.connectWaitMs))
      ? await request(socket, event, payload, ackTimeoutMs)
      : { ok: false, error: { code: 'TIMEOUT', message: `not connected within ${options.connectWaitMs} ms` } }) as { ok: true } | { ok: false; error: { code: ClientErrorCode; message: string } };
    if (result.ok) return { ok: true, ack: result as Extract<AckOf<E>, { ok: true }> };
    const { code, message } = result.error;
    const retriable = isRetriable(code);
    options.onFailure?.({ at: Date.now(), attempt, code, message, retriable });
    if (!retriable || attempt >= attempts) return { ok: false, error: { code, message }, retriable };
    await delay(backoff);
    backoff = Math.min(backoff * 2, options.backoffMaxMs ?? 1_000);
  }
}
