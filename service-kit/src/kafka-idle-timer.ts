import { createRequire } from 'node:module';

/** The part of kafkajs's per-connection RequestQueue (src/network/requestQueue/index.js) this file replaces. */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own retry interval for requests held back by the in-flight limit. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const QUIETED = Symbol.for('chat.kafkajs.quiet-request-queue');

/**
 * Stops kafkajs 2.2.4 from spinning a 1 ms timer on every broker connection of an idle process.
 *
 * Its RequestQueue re-arms `setTimeout(check, throttledUntil - now)` after every response, also when
 * nothing is pending and no throttle is in effect: the delay is then negative (Node makes it 1 ms), the
 * check finds nothing and re-arms again, forever. Measured on an idle consumer: ~840 wake-ups/s and 3.8 %
 * of a core, in every process that consumes (persister, thumbnail worker, gateways' producers). This
 * arms the timer only when requests are actually waiting, at the same delays kafkajs uses: the end of a
 * broker's throttle, or its 10 ms in-flight retry. Responses still drain the queue as before. Idempotent;
 * kafkajs 2.2.4 is the last release, so the fix cannot come from upstream.
 */
export function quietKafkaRequestQueues(): void {
  const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals & { [QUIETED]?: true } };
  const proto = RequestQueue.prototype;
  if (proto[QUIETED] || typeof proto.scheduleCheckPendingRequests !== 'function') return;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 ? throttled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
  proto[QUIETED] = true;
}
