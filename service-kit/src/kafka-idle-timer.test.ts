import { createRequire } from 'node:module';
import { quietKafkaRequestQueues } from './kafka-idle-timer';

// kafkajs's own RequestQueue, as every broker connection makes it.
type Queue = { pending: unknown[]; throttledUntil: number; throttleCheckTimeoutId: NodeJS.Timeout | null; scheduleCheckPendingRequests(): void; destroy(): void };
const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as new (options: object) => Queue;
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, namespace: () => logger };
const queue = () => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1_000, enforceRequestTimeout: true, clientId: 'test', broker: 'b:1', logger });

describe('quietKafkaRequestQueues', () => {
  beforeAll(() => quietKafkaRequestQueues());

  it('arms no timer when nothing is pending, so an idle connection does not wake every millisecond', () => {
    const q = queue();
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still arms one for pending requests: at the end of a broker throttle, or at the in-flight retry', () => {
    const q = queue();
    q.pending.push({});
    q.throttledUntil = Date.now() + 5_000;
    q.scheduleCheckPendingRequests();
    const armed = q.throttleCheckTimeoutId;
    expect(armed).not.toBeNull();
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBe(armed);
    clearTimeout(armed!);
  });

  it('is idempotent', () => {
    const before = (RequestQueue.prototype as Queue).scheduleCheckPendingRequests;
    quietKafkaRequestQueues();
    expect((RequestQueue.prototype as Queue).scheduleCheckPendingRequests).toBe(before);
  });
});
