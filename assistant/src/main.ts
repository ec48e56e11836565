// The assistant worker: wires configuration, clients, the model, the consumer and the HTTP server, and
// shuts them down in order on SIGTERM/SIGINT. See the README section "Room assistant".
import { createPrisma } from '@chat/db';
import { Redis } from 'ioredis';
import { Kafka, logLevel as kafkaLogLevel } from 'kafkajs';
import { ensureBotUser, signServiceToken } from './bot-identity';
import { loadConfig } from './config';
import { connectGateway } from './gateway-client';
import { createHttpServer } from './http-server';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { createModelClient } from './model-client';
import { PromptConsumer } from './prompt-consumer';
import { createPromptGuard } from './prompt-guard';
import { Responder } from './responder';
import { createRoomContext } from './room-context';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const log = logger.child({ module: 'assistant.main' });
  const metrics = createMetrics();

  const prisma = createPrisma({ url: config.databaseUrl, poolMax: Math.max(2, config.concurrency) });
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2, connectTimeout: 2_000 });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  const kafkaLog = logger.child({ module: 'kafkajs' });
  const kafka = new Kafka({
    clientId: config.kafka.clientId,
    brokers: [...config.kafka.brokers],
    logLevel: kafkaLogLevel.WARN,
    logCreator: () => ({ namespace, level, log: entry }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = entry;
      kafkaLog[level <= kafkaLogLevel.ERROR ? 'error' : 'warn']({ namespace, ...fields }, message);
    },
  });

  const bot = await ensureBotUser(prisma, config.name, config.createUser);
  log.info({ botId: bot.id, name: bot.username, api: config.model.api, model: config.model.model }, 'assistant identity ready');
  const replies = connectGateway({ url: config.gatewayUrl, token: () => signServiceToken(bot, config.jwtSecret), logger });
  const context = createRoomContext(prisma);
  const shutdownSignal = new AbortController();
  const responder = new Responder({
    bot,
    model: createModelClient(config.model),
    guard: createPromptGuard(redis, { prefix: config.redis.keyPrefix, perUser: config.limits.perUser, perRoom: config.limits.perRoom, windowMs: config.limits.windowMs }),
    context,
    replies,
    metrics,
    logger,
    contextMessages: config.contextMessages,
    streamIntervalMs: config.streamIntervalMs,
    timeoutMs: config.model.timeoutMs,
  });
  const consumer = new PromptConsumer({
    kafka,
    groupId: config.kafka.groupId,
    topic: config.kafka.messagesTopic,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    concurrency: config.concurrency,
    handle: (record) => responder.handle(record, shutdownSignal.signal),
    logger,
    onFatal: (error) => {
      log.fatal({ err: error }, 'consumer crashed; exiting so that the orchestrator restarts the worker');
      process.exit(1);
    },
  });

  let stopping = false;
  const isReady = async () => {
    if (stopping || !consumer.isConsuming() || !replies.isConnected()) return false;
    return Promise.race([
      Promise.all([context.ping(), redis.ping()]).then(() => true, () => false),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_000).unref()),
    ]);
  };
  const server = createHttpServer({ isReady, registry: metrics.registry, logger });
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  log.info({ port: config.port, topic: config.kafka.messagesTopic, groupId: config.kafka.groupId }, 'assistant listening');

  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Answers in progress stop now and are not committed: another worker answers them after the rebalance.
    shutdownSignal.abort();
    try {
      await consumer.stop();
      replies.close();
      await Promise.allSettled([prisma.$disconnect(), redis.quit()]);
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

  await consumer.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`assistant failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
