import { CompressionTypes, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { MessageRecord } from '@chat/protocol';
import { AppError, type Logger } from '@chat/service-kit';
import type { Metrics } from './metrics';

/** Where accepted messages go to become durable. The gateway answers a send only after `publish` resolved. */
export interface MessageBus {
  /** Resolves once the record is acknowledged by all in-sync replicas; rejects with UNAVAILABLE otherwise. */
  publish(record: MessageRecord): Promise<void>;
  /** Connects the producer now (it would otherwise connect on the first publish). */
  connect(): Promise<void>;
  /** True while the producer is connected. */
  isConnected(): boolean;
  /** Sends what is queued, then disconnects. */
  close(): Promise<void>;
}

export interface KafkaMessageBusOptions {
  topic: string;
  /** A publish waiting longer than this is answered UNAVAILABLE. */
  sendTimeoutMs: number;
  /** Most records in one produce request. */
  maxBatch?: number;
}

interface Pending {
  record: MessageRecord;
  resolve: () => void;
  reject: (error: AppError) => void;
}

/**
 * Kafka producer with natural batching: while one request is in flight, new records queue up and go out
 * together in the next one. An idempotent producer allows one request in flight, so this is what keeps
 * throughput high under load while an idle gateway still sends each record at once (no linger delay).
 * Records are keyed by roomId: one room, one partition, one order.
 */
export function createKafkaMessageBus(kafka: Kafka, options: KafkaMessageBusOptions, metrics: Metrics, log: Logger): MessageBus {
  const maxBatch = options.maxBatch ?? 500;
  let queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let connected = false;
  let producer = newProducer();

  function newProducer(): Producer {
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    p.on(p.events.CONNECT, () => (connected = true));
    p.on(p.events.DISCONNECT, () => (connected = false));
    return p;
  }

  let connecting: Promise<void> | undefined;
  const ensureConnected = () => {
    if (connected) return Promise.resolve();
    connecting ??= producer.connect().finally(() => (connecting = undefined));
    return connecting;
  };

  async function sendBatch(batch: Pending[]): Promise<void> {
    const timer = metrics.produceSeconds.startTimer();
    metrics.produceBatchSize.observe(batch.length);
    try {
      // Connecting counts against the deadline too: while the broker is down, KafkaJS keeps retrying the
      // connection for far longer than the send timeout, and the sender would wait (and retry) meanwhile.
      // The fault suite saw clients give up and resend while the first attempt still waited here, so the
      // same message went out twice when the broker came back.
      await withTimeout(
        ensureConnected().then(() =>
          producer.send({
            topic: options.topic,
            acks: -1,
            timeout: options.sendTimeoutMs,
            compression: CompressionTypes.None,
            messages: batch.map((p) => ({ key: p.record.roomId, value: JSON.stringify(p.record) })),
          }),
        ),
        options.sendTimeoutMs,
      );
      timer();
      for (const p of batch) p.resolve();
    } catch (error) {
      log.warn({ err: error, records: batch.length }, 'kafka produce failed');
      const failure = new AppError('UNAVAILABLE', 'the message could not be stored right now; retry with the same clientMsgId', { cause: error });
      for (const p of batch) p.reject(failure);
      // A producer that failed may hold a broken idempotence state (sequence numbers, epoch) after a broker
      // restart: start afresh so the next send gets a new producer id instead of failing forever.
      const old = producer;
      producer = newProducer();
      connected = false;
      void old.disconnect().catch(() => undefined);
    }
  }

  function drain(): void {
    if (inFlight || queue.length === 0) return;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    inFlight = sendBatch(batch).finally(() => {
      inFlight = undefined;
      drain();
    });
  }

  return {
    publish(record) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        drain();
      });
    },
    connect: ensureConnected,
    isConnected: () => connected,
    async close() {
      while (inFlight || queue.length > 0) {
        drain();
        await inFlight;
      }
      await producer.disconnect();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement from Kafka within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Creates the messages topic when it is missing (Strimzi's KafkaTopic owns it in Kubernetes: KAFKA_CREATE_TOPICS=false). */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
