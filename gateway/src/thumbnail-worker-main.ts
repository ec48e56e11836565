// The thumbnail worker: a process of its own, from the gateway's build and image, that consumes the
// messages topic, makes WebP thumbnails of attached images with sharp and deletes the files of deleted
// messages. Not inside the gateway, whose event loop must never decode images, nor the persister, whose
// CPU (and HPA signal) is batch writing.
// Serves /healthz and /readyz on PORT.
import http from 'node:http';
import { createPrisma } from '@chat/db';
import { createLogger, runService } from '@chat/service-kit';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from './config';
import { createFileLifecycle } from './files/file-lifecycle';
import { objectStoreFromConfig } from './files/object-store';
import { createUploadRepository } from './store/uploads';
import { attachmentUpdatesChannel, runThumbnailWorker } from './thumbnails/thumbnail-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ service: 'thumbnails', level: config.LOG_LEVEL });
  const db = createPrisma({ url: config.DATABASE_URL, poolMax: 4 });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 2_000 });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  const store = objectStoreFromConfig(config);
  const kafka = new Kafka({ clientId: `${config.KAFKA_CLIENT_ID}-thumbnails`, brokers: config.KAFKA_BROKERS, logLevel: logLevel.WARN });
  // Fetches wait for 16 KiB or 500 ms: at a trickle the broker answers a few fetches a second (and the worker
  // commits a few times a second), not one of each per record (kafkajs's default minBytes is 1). A thumbnail
  // starts at most 500 ms later for it; no reader waits on this group (history is the persister's).
  const consumer = kafka.consumer({ groupId: config.THUMBNAIL_GROUP_ID, minBytes: 16 * 1024, maxWaitTimeInMs: 500 });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  consumer.on(consumer.events.CRASH, (event) => log.error({ err: event.payload.error }, 'consumer crashed'));

  const server = http.createServer((req, res) => {
    const ok = req.url === '/healthz' || (req.url === '/readyz' && joined);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'not ready' }));
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));

  await consumer.connect();
  const uploads = createUploadRepository(db);
  await runThumbnailWorker({
    consumer,
    topic: config.KAFKA_MESSAGES_TOPIC,
    store,
    uploads,
    lifecycle: createFileLifecycle(store, uploads),
    announce: async (event) => void (await redis.publish(attachmentUpdatesChannel(config.REDIS_KEY_PREFIX), JSON.stringify(event))),
    log,
  });
  log.info({ port: config.PORT, topic: config.KAFKA_MESSAGES_TOPIC, groupId: config.THUMBNAIL_GROUP_ID }, 'thumbnail worker running');

  const shutdown = async () => {
    server.close();
    await consumer.disconnect().catch(() => undefined);
    store.close();
    await Promise.allSettled([db.$disconnect(), redis.quit()]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

runService('thumbnails', main);
