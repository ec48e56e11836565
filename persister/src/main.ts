// The persister process: wires configuration, clients, the consumer and the probe server, and shuts
// them down in order on SIGTERM/SIGINT. See persister/README.md for how it is run.
import { createPgPool, createPrisma } from '@chat/db';
import { closeProbeServer, conditionCheck, createLogger, createProbeServer, createReadiness, kafkaConnectionSecurity, kafkaLogCreator, listen, moduleLogger, onShutdown, runService } from '@chat/service-kit';
import { Kafka, logLevel as kafkaLogLevel, Partitioners } from 'kafkajs';
import { BatchConsumer } from './batch-consumer';
import { BatchProcessor } from './batch-processor';
import { loadConfig } from './config';
import { KafkaDeadLetterPublisher } from './dead-letter-publisher';
import { PostgresMessageStore } from './message-store';
import { createMetrics } from './metrics';
import { ensureTopics } from './topics';

/** The time SIGTERM leaves to finish the batch in hand and leave the group: inside Kubernetes' 30 s grace. */
const SHUTDOWN_GRACE_MS = 20_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'persister', level: config.LOG_LEVEL });
  const log = moduleLogger(logger, 'main');
  const metrics = createMetrics();

  // Each concurrently consumed partition holds at most one connection; the rest serves /readyz.
  // Every connection commits durably (offsets are committed once a batch is stored): see PostgresMessageStore.
  const pool = createPgPool({ url: config.DATABASE_URL, poolMax: 4, durableCommits: true });
  const prisma = createPrisma({ url: config.DATABASE_URL, pool });
  const store = new PostgresMessageStore(prisma, pool);
  const kafka = new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: [...config.KAFKA_BROKERS],
    logLevel: kafkaLogLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    ...kafkaConnectionSecurity(config),
  });
  // Idempotent: a retried dead-letter send is not written twice. The default (murmur2, Java-compatible)
  // partitioner keeps a room's dead letters together, as on the messages topic.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });

  const consumer = new BatchConsumer({
    kafka,
    groupId: config.KAFKA_GROUP_ID,
    topic: config.KAFKA_MESSAGES_TOPIC,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    processor: new BatchProcessor({
      store,
      deadLetters: new KafkaDeadLetterPublisher(producer, config.KAFKA_DLQ_TOPIC),
      metrics,
      logger,
      batchMax: config.PERSISTER_BATCH_MAX,
      retryMaxMs: config.PERSISTER_RETRY_MAX_MS,
    }),
    metrics,
    logger,
    onFatal: (error) => {
      // Nothing uncommitted is lost: the next process (restarted by the orchestrator) reads it again.
      log.fatal({ err: error }, 'consumer crashed; exiting so that the orchestrator restarts the persister');
      process.exit(1);
    },
  });
  // Ready: a member of the group, and Postgres answering. Uncached: a probe sees an outage at once.
  const readiness = createReadiness([conditionCheck('kafka-group', () => consumer.isJoined()), { name: 'postgres', check: () => store.ping() }], { cacheMs: 0 });
  const server = createProbeServer({ readiness, registry: metrics.registry, log: moduleLogger(logger, 'http') });
  // Listen first: /healthz answers during start-up, /readyz says 503 until the group is joined.
  await listen(server, config.PERSISTER_PORT);
  log.info({ port: config.PERSISTER_PORT, topic: config.KAFKA_MESSAGES_TOPIC, groupId: config.KAFKA_GROUP_ID }, 'persister listening');

  onShutdown({
    log,
    graceMs: SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'drain', run: () => readiness.drain() },
      { name: 'leave the group', run: () => consumer.stop() },
      { name: 'disconnect', run: () => Promise.allSettled([producer.disconnect(), prisma.$disconnect()]) },
      { name: 'close the probe server', run: () => closeProbeServer(server) },
    ],
  });

  if (config.KAFKA_CREATE_TOPICS) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, { messagesTopic: config.KAFKA_MESSAGES_TOPIC, messagesPartitions: config.KAFKA_MESSAGES_PARTITIONS, deadLetterTopic: config.KAFKA_DLQ_TOPIC }, logger);
    } finally {
      await admin.disconnect();
    }
  }
  await producer.connect();
  await consumer.start();
}

runService('persister', main);
