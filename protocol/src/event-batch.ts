import type { ServerToClientEvents } from './events';

/**
 * Frame batching (issue 19): a client that sets `batch: true` in its handshake `auth` may receive several
 * server events in one WebSocket frame, as one `events:batch` event. Clients that do not ask receive every
 * event on its own, exactly as before.
 */
export const BATCH_AUTH_FLAG = 'batch';

/** The event name of a batch. */
export const EVENT_BATCH = 'events:batch';

/** The server events a batch may carry: every one but a batch. */
export type BatchableEventName = Exclude<keyof ServerToClientEvents, typeof EVENT_BATCH>;

/**
 * One event of a batch: its name and the very arguments it would have had on its own frame, the
 * recovery offset (a string, last) included where the server adds one. A batch's own last argument is the
 * offset of its last event, so a client's recovery offset moves exactly as it would have without batching.
 */
export type BatchedEvent = {
  [E in BatchableEventName]: [E, ...Parameters<ServerToClientEvents[E]>, ...([offset: string] | [])];
}[BatchableEventName];
