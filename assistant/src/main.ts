// The assistant worker: wires configuration, clients, the model, the consumer and the probe server,
// and shuts them down in order on SIGTERM/SIGINT. See assistant/README.md.
import { createPrisma } from '@chat/db';
import { closeProbeServer, conditionCheck, createLogger, createProbeServer, createReadiness, kafkaConnectionSecurity, kafkaLogCreator, listen, moduleLogger, onShutdown, runService } from '@chat/service-kit';
import { Redis } from 'ioredis';
import { Kafka, logLevel as kafkaLogLevel } from 'kafkajs';
import { ensureBotUser, signServiceToken } from './bot-identity';
import { loadConfig } from './config';
import { connectGateway } from './gateway-client';
import { createMetrics } from './metrics';
import { createModelClient } from './model-client';
import { PromptConsumer } from './prompt-consumer';
import { createPromptGuard } from './prompt-guard';
import { Responder } from './responder';
import { createRoomContext } from './room-context';

/** The time SIGTERM leaves to stop answering and leave the group: inside Kubernetes' 30 s grace. */
const SHUTDOWN_GRACE_MS = 20_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'assistant', level: config.LOG_LEVEL });
  const log = moduleLogger(logger, 'main');
  const metrics = createMetrics();

  const prisma = createPrisma({ url: config.DATABASE_URL, poolMax: Math.max(2, config.ASSISTANT_CONCURRENCY) });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 2_000 });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  const kafka = new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: [...config.KAFKA_BROKERS],
    logLevel: kafkaLogLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    ...kafkaConnectionSecurity(config),
  });

  const bot = await ensureBotUser(prisma, config.ASSISTANT_NAME, config.ASSISTANT_CREATE_USER);
  log.info({ botId: bot.id, name: bot.username, api: config.ASSISTANT_API, model: config.ASSISTANT_MODEL }, 'assistant identity ready');
  const replies = connectGateway({ url: config.GATEWAY_URL, token: () => signServiceToken(bot, config.SERVICE_TOKEN_SECRET ?? config.JWT_SECRET), logger });
  const context = createRoomContext(prisma);
  const shutdownSignal = new AbortController();
  const responder = new Responder({
    bot,
    model: createModelClient({
      api: config.ASSISTANT_API,
      url: config.ASSISTANT_URL,
      model: config.ASSISTANT_MODEL,
      apiKey: config.ASSISTANT_API_KEY,
      timeoutMs: config.ASSISTANT_TIMEOUT_MS,
      maxTokens: config.ASSISTANT_MAX_TOKENS,
    }),
    guard: createPromptGuard(redis, {
      prefix: config.REDIS_KEY_PREFIX,
      perUser: config.ASSISTANT_USER_RATE_LIMIT,
      perRoom: config.ASSISTANT_ROOM_RATE_LIMIT,
      windowMs: config.ASSISTANT_RATE_WINDOW_MS,
    }),
    context,
    replies,
    metrics,
    logger,
    contextMessages: config.ASSISTANT_CONTEXT_MESSAGES,
    streamIntervalMs: config.ASSISTANT_STREAM_INTERVAL_MS,
    timeoutMs: config.ASSISTANT_TIMEOUT_MS,
  });
  const consumer = new PromptConsumer({
    kafka,
    groupId: config.ASSISTANT_GROUP_ID,
    topic: config.KAFKA_MESSAGES_TOPIC,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    concurrency: config.ASSISTANT_CONCURRENCY,
    handle: (record) => responder.handle(record, shutdownSignal.signal),
    logger,
    onFatal: (error) => {
      log.fatal({ err: error }, 'consumer crashed; exiting so that the orchestrator restarts the worker');
      process.exit(1);
    },
  });

  const readiness = createReadiness(
    [
      conditionCheck('kafka-group', () => consumer.isConsuming()),
      conditionCheck('gateway', () => replies.isConnected()),
      { name: 'postgres', check: () => context.ping() },
      { name: 'redis', check: () => redis.ping() },
    ],
    { cacheMs: 0 },
  );
  const server = createProbeServer({ readiness, registry: metrics.registry, log: moduleLogger(logger, 'http') });
  await listen(server, config.ASSISTANT_PORT);
  log.info({ port: config.ASSISTANT_PORT, topic: config.KAFKA_MESSAGES_TOPIC, groupId: config.ASSISTANT_GROUP_ID }, 'assistant listening');

  onShutdown({
    log,
    graceMs: SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'drain', run: () => readiness.drain() },
      // Answers in progress stop now and are not committed: another worker answers them after the rebalance.
      { name: 'stop answering', run: () => shutdownSignal.abort() },
      { name: 'leave the group', run: () => consumer.stop() },
      { name: 'disconnect', run: () => Promise.allSettled([Promise.resolve(replies.close()), prisma.$disconnect(), redis.quit()]) },
      { name: 'close the probe server', run: () => closeProbeServer(server) },
    ],
  });

  await consumer.start();
}

runService('assistant', main);
