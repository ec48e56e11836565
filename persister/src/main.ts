// The persister process: wires configuration, clients, the consumer and the HTTP server, and shuts
// them down in order on SIGTERM/SIGINT. See the README section "Persister" for how it is run.
import { createPrisma } from '@chat/db';
import { Kafka, logLevel as kafkaLogLevel, Partitioners } from 'kafkajs';
import { BatchConsumer } from './batch-consumer';
import { BatchProcessor } from './batch-processor';
import { loadConfig } from './config';
import { KafkaDeadLetterPublisher } from './dead-letter-publisher';
import { createHttpServer } from './http-server';
import { createKafkaLogCreator } from './kafka-log';
import { createLogger } from './logger';
import { PostgresMessageStore } from './message-store';
import { createMetrics } from './metrics';
import { Readiness } from './readiness';
import { ensureTopics } from './topics';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const log = logger.child({ module: 'persister.main' });
  const metrics = createMetrics();

  // Each concurrently consumed partition holds at most one connection; the rest serves /readyz.
  const prisma = createPrisma({ url: config.databaseUrl, poolMax: 4 });
  const store = new PostgresMessageStore(prisma);
  const kafka = new Kafka({
    clientId: config.kafka.clientId,
    brokers: [...config.kafka.brokers],
    logLevel: kafkaLogLevel.WARN,
    logCreator: createKafkaLogCreator(logger),
  });
  // Idempotent: a retried dead-letter send is not written twice. The default (murmur2, Java-compatible)
  // partitioner keeps a room's dead letters together, as on the messages topic.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });

  let shuttingDown = false;
  const consumer = new BatchConsumer({
    kafka,
    groupId: config.kafka.groupId,
    topic: config.kafka.messagesTopic,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    processor: new BatchProcessor({
      store,
      deadLetters: new KafkaDeadLetterPublisher(producer, config.kafka.deadLetterTopic),
      metrics,
      logger,
      batchMax: config.batchMax,
      retryMaxMs: config.retryMaxMs,
    }),
    metrics,
    logger,
    onFatal: (error) => {
      // Nothing uncommitted is lost: the next process (restarted by the orchestrator) reads it again.
      log.fatal({ err: error }, 'consumer crashed; exiting so that the orchestrator restarts the persister');
      process.exit(1);
    },
  });
  const readiness = new Readiness({ isJoined: () => consumer.isJoined(), pingDatabase: () => store.ping() });
  const server = createHttpServer({ isReady: () => readiness.check(), registry: metrics.registry, logger });
  // Listen first: /healthz answers during start-up, /readyz says 503 until the group is joined.
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  log.info({ port: config.port, topic: config.kafka.messagesTopic, groupId: config.kafka.groupId }, 'persister listening');

  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    readiness.markStopping();
    try {
      await consumer.stop();
      await producer.disconnect();
      await prisma.$disconnect();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));

  if (config.kafka.createTopics) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, config.kafka, logger);
    } finally {
      await admin.disconnect();
    }
  }
  await producer.connect();
  await consumer.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`persister failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
