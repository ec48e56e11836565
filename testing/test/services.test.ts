// Proves that the run's services are the real thing: a PostgreSQL query, a Redis stream round trip,
// and a KafkaJS produce / consumer-group / admin round trip against the broker version the platform pins.
import { kafkaVersion } from '@chat/local';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createTestDatabase, createTopics, testKafka, testServices, uniqueName, uniqueRedisPrefix } from '../src';

describe('test services', () => {
  it('PostgreSQL answers queries in a per-suite database copied from the migrated template', async () => {
    const client = new Client({ connectionString: await createTestDatabase('svc') });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; tables: string[] }>(
        `SELECT version() AS version,
                array(SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1) AS tables`,
      );
      expect(rows[0]!.version).toMatch(/^PostgreSQL \d+/);
      expect(rows[0]!.tables).toEqual(expect.arrayContaining(['users', 'rooms', 'memberships', 'messages', '_prisma_migrations']));
    } finally {
      await client.end();
    }
  });

  it('Redis round-trips an entry through a stream under the suite prefix', async () => {
    const redis = new Redis(testServices().env.REDIS_URL);
    const stream = `${uniqueRedisPrefix()}stream`;
    try {
      const id = await redis.xadd(stream, '*', 'body', 'hello');
      const entries = await redis.xrange(stream, '-', '+');
      expect(entries).toEqual([[id, ['body', 'hello']]]);
    } finally {
      await redis.del(stream);
      redis.disconnect();
    }
  });

  it(`KafkaJS produces and consumes through a consumer group on Kafka ${kafkaVersion()}`, async () => {
    const kafka = testKafka();
    const [topic] = await createTopics([{ prefix: 'roundtrip', partitions: 3 }]);
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const groupId = uniqueName('group');
    const consumer = kafka.consumer({ groupId });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic!] });
      expect(metadata.topics[0]!.partitions).toHaveLength(3);

      const sent = Array.from({ length: 30 }, (_, i) => ({ key: `room-${i % 3}`, value: `message ${i}` }));
      await producer.send({ topic: topic!, acks: -1, messages: sent });

      await consumer.subscribe({ topic: topic!, fromBeginning: true });
      const received: { key: string; value: string; partition: number }[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            // Commit explicitly after each batch, as the persister does: the offset moves only after the work.
            eachBatch: async ({ batch, commitOffsetsIfNecessary }) => {
              for (const message of batch.messages) {
                received.push({ key: message.key!.toString(), value: message.value!.toString(), partition: batch.partition });
              }
              const next = String(Number(batch.lastOffset()) + 1);
              await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
              if (received.length === sent.length) resolve();
            },
          })
          .catch(reject);
      });
      expect(received.map((r) => r.value).sort()).toEqual(sent.map((s) => s.value).sort());
      // One key, one partition: the per-room order the platform relies on.
      for (const key of ['room-0', 'room-1', 'room-2']) {
        const ofKey = received.filter((r) => r.key === key);
        expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
        expect(ofKey.map((r) => r.value)).toEqual(sent.filter((s) => s.key === key).map((s) => s.value));
      }

      const offsets = await admin.fetchOffsets({ groupId, topics: [topic!] });
      // A partition that got no record has no committed offset (-1).
      const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      expect(committed).toBe(sent.length);
    } finally {
      await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    }
  });
});
