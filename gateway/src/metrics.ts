import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

// 0.25: the send→deliver SLO's threshold (k8s/src/alert-rules.ts reads that bucket).
const LATENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5];

/** The gateway's Prometheus metrics, in a registry of their own (served at GET /metrics). */
export function createMetrics(gatewayId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ gateway: gatewayId });
  collectDefaultMetrics({ register: registry, prefix: 'chat_gateway_' });
  return {
    registry,
    connections: new Gauge({ name: 'chat_gateway_connections', help: 'Open Socket.IO connections', registers: [registry] }),
    presenceLookups: new Counter({ name: 'chat_gateway_presence_lookups_total', help: 'presence:list lookups across the gateways (answers are shared per room for a second)', registers: [registry] }),
    messages: new Counter({
      name: 'chat_gateway_messages_total',
      help: 'message:send outcomes: accepted (new), duplicate (a resend acked with the stored message), rejected',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    errors: new Counter({ name: 'chat_gateway_errors_total', help: 'Errors answered to clients, by code', labelNames: ['code'] as const, registers: [registry] }),
    produceSeconds: new Histogram({
      name: 'chat_gateway_kafka_produce_seconds',
      help: 'Time from handing a batch to Kafka to its acknowledgement (acks=all)',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    produceBatchSize: new Histogram({
      name: 'chat_gateway_kafka_batch_size',
      help: 'Messages per produce request',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    sendSeconds: new Histogram({
      name: 'chat_gateway_send_seconds',
      help: 'message:send from receipt to ack',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    deliverSeconds: new Histogram({
      name: 'chat_gateway_deliver_seconds',
      help: 'message:new from the send (its createdAt) to this gateway writing it to its members, once per broadcast',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    batchFrames: new Counter({ name: 'chat_gateway_batch_frames_total', help: 'events:batch frames written (several events in one frame, to clients that asked: realtime/frame-batching.ts)', registers: [registry] }),
    batchedEvents: new Counter({ name: 'chat_gateway_batched_events_total', help: 'Events that left in events:batch frames', registers: [registry] }),
    httpRequests: new Histogram({
      name: 'chat_gateway_http_request_seconds',
      help: 'REST requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
