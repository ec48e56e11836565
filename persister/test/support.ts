// Helpers of the persister's integration tests: message records as the gateway produces them, and
// reads of what the persister wrote.
import { randomUUID } from 'node:crypto';
import type { MessageEventInput, MessageRecord } from '@chat/protocol';
import { type TestSystem, type TestSystemOptions, testKafka, useGatewaySystem } from '@chat/testing';
import type { KafkaMessage, Producer } from 'kafkajs';
import { Client } from 'pg';
import type { MessageRow } from '../src/record-decoder';

/** A valid record as a gateway would produce it; `overrides` change single fields. */
export function messageRecord(overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    v: 1,
    id: randomUUID(),
    roomId: randomUUID(),
    senderId: randomUUID(),
    senderUsername: 'alice',
    body: `hello ${randomUUID()}`,
    clientMsgId: randomUUID(),
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** An idempotent, acks=all producer, as the gateway's. */
export async function connectProducer(): Promise<Producer> {
  const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

/** Produces records keyed by room (JSON values), or raw values for malformed ones. */
export async function produce(producer: Producer, topic: string, records: (MessageRecord | { key: string; value: string })[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ('v' in r ? { key: r.roomId, value: JSON.stringify(r) } : r)),
  });
}

/** The row as the persister stored it, with createdAt back in ISO form: the shape it writes. */
export type StoredRow = Omit<MessageRow, 'parentId'>;

/** Read access to one test database. */
export class MessagesTable {
  private constructor(private readonly client: Client) {}

  static async open(url: string): Promise<MessagesTable> {
    const client = new Client({ connectionString: url });
    await client.connect();
    return new MessagesTable(client);
  }

  async count(ids?: readonly string[]): Promise<number> {
    const { rows } = ids
      ? await this.client.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[])', [ids])
      : await this.client.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    return rows[0]!.n;
  }

  async rows(ids: readonly string[]): Promise<StoredRow[]> {
    const { rows } = await this.client.query<StoredRow & { createdAt: Date }>(
      `SELECT id, room_id AS "roomId", sender_id AS "senderId", sender_username AS "senderUsername", body,
              client_msg_id AS "clientMsgId", created_at AS "createdAt"
         FROM messages WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** Reads every record of a topic from the beginning until `count` arrived (a fresh group each time). */
export async function readTopic(topic: string, count: number, timeoutMs = 15_000): Promise<KafkaMessage[]> {
  const consumer = testKafka().consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: KafkaMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${received.length} of ${count} records on ${topic} within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push(message);
            if (received.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return received;
  } finally {
    await consumer.disconnect();
  }
}

/** Committed offsets of a group on a topic, by partition (-1 where nothing was committed). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** End offsets (high watermarks) of a topic, by partition. */
export async function endOffsets(topic: string): Promise<Map<number, number>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** A persister with its Kafka and PostgreSQL and no gateways, a producer and a pg client, for one suite. */
export interface PersisterSystem {
  readonly system: TestSystem;
  readonly db: Client;
  /** Produces records to the messages topic, keyed by room, acknowledged by every replica. */
  produce(records: readonly (MessageRecord | MessageEventInput)[]): Promise<unknown>;
}

/**
 * Starts the system before the suite's tests and stops it after them (the gateway suites' fixture, with
 * no gateway and no nginx), plus a producer; `env` reaches the persister.
 */
export function usePersisterSystem(env?: TestSystemOptions['env']): PersisterSystem {
  const suite = useGatewaySystem({ gateways: 0, nginx: false, env });
  let producer: Producer | undefined;
  beforeAll(async () => {
    producer = await connectProducer();
  }, 60_000);
  afterAll(async () => {
    await producer?.disconnect();
  });
  return {
    get system() {
      return suite.system;
    },
    get db() {
      return suite.db;
    },
    produce: (records) => {
      if (!producer) throw new Error('the producer is not connected (use it inside a test)');
      return producer.send({ topic: suite.system.topics.messages, acks: -1, messages: records.map((r) => ({ key: r.roomId, value: JSON.stringify(r) })) });
    },
  };
}

/** A clock of time-ordered UUIDv7 ids, as the gateway makes them, one second apart from `startMs` on. */
export function timeOrderedIds(startMs: number): { next(): { id: string; at: string }; now(): number } {
  let clock = startMs;
  return {
    next() {
      clock += 1_000;
      const hex = clock.toString(16).padStart(12, '0');
      const rand = randomUUID().replace(/-/g, '');
      return { id: `${hex.slice(0, 8)}-${hex.slice(8)}-7${rand.slice(0, 3)}-8${rand.slice(4, 7)}-${rand.slice(8, 20)}`, at: new Date(clock).toISOString() };
    },
    /** The time of the latest id, in ms since the epoch. */
    now: () => clock,
  };
}
