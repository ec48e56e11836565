import { type ClientToServerEvents, type ErrorCode, RETRIABLE_CODES } from '@chat/protocol';
import type { ChatSocket } from './chat-socket';

/**
 * How long a request waits for its ack by default, in ms. Shorter than the gateway's own deadline for
 * a send (`KAFKA_SEND_TIMEOUT_MS`, default 10 000 ms), so a client whose ack was lost (a gateway that
 * died mid-send, a stuck connection) resends on a fresh connection before the old attempt would have
 * been answered at all. A resend carries the same clientMsgId, so an early resend is safe: the gateway
 * acks the message claimed first. A deployment that raises the gateway's deadline need not change
 * this; one that lowers it below this should pass a shorter `ackTimeoutMs`.
 */
export const DEFAULT_ACK_TIMEOUT_MS = 8_000;

/** Client-to-server events that are answered by an ack. */
export type AckedEvent = {
  [E in keyof ClientToServerEvents]: Parameters<ClientToServerEvents[E]> extends [unknown, ...infer Rest] ? (Rest extends [] ? never : E) : never;
}[keyof ClientToServerEvents];

/** The payload of an acked event. */
export type PayloadOf<E extends AckedEvent> = Parameters<ClientToServerEvents[E]>[0];

/** The ack of an event, as the server answers it (`{ok: true, ...}` or `{ok: false, error}`). */
export type AckOf<E extends AckedEvent> = Parameters<ClientToServerEvents[E]> extends [unknown, ((result: infer R) => void)?] ? R : never;

/** No ack arrived in time: the request may or may not have been carried out (resend what is idempotent). */
export interface TimedOut {
  ok: false;
  error: { code: 'TIMEOUT'; message: string };
}

/** Every failure code a client sees: the server's catalogue, and TIMEOUT for an ack that never came. */
export type ClientErrorCode = ErrorCode | 'TIMEOUT';

/** What a request resolves with: the server's ack, or {@link TimedOut}. It never rejects. */
export type AckResult<E extends AckedEvent> = AckOf<E> | TimedOut;

/** Whether trying again unchanged may succeed: the protocol's retriable codes, and a missing ack. */
export function isRetriable(code: ClientErrorCode): boolean {
  return code === 'TIMEOUT' || RETRIABLE_CODES.has(code);
}

/**
 * Emits an acked event and resolves with the server's ack, or with TIMEOUT after `timeoutMs`. Emitting
 * while disconnected buffers the packet until the socket is back, and the timeout runs meanwhile.
 */
export async function request<E extends AckedEvent>(socket: ChatSocket, event: E, payload: PayloadOf<E>, timeoutMs = DEFAULT_ACK_TIMEOUT_MS): Promise<AckResult<E>> {
  // socket.io's typed emitWithAck cannot relate a generic event name to its payload; the types above do.
  const timed = socket.timeout(timeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<AckOf<E>> };
  try {
    return await timed.emitWithAck(event, payload);
  } catch {
    return { ok: false, error: { code: 'TIMEOUT', message: `no answer within ${timeoutMs} ms` } };
  }
}
