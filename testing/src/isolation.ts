import crypto from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { testServices } from './services';

/** A name no other suite or run uses: `<prefix>_<12 hex>` (lowercase, safe for databases and topics). */
export const uniqueName = (prefix: string): string => `${prefix}_${crypto.randomBytes(6).toString('hex')}`;

/** A fresh database copied from the migrated template; returns its URL. */
export async function createTestDatabase(prefix = 'suite'): Promise<string> {
  const { env, templateDatabase } = testServices();
  const name = uniqueName(prefix);
  const admin = new Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase}`);
  } finally {
    await admin.end();
  }
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A Kafka client for tests (quiet: expected errors are asserted, not logged). */
export function testKafka(clientId = uniqueName('test')): Kafka {
  return new Kafka({ clientId, brokers: testServices().env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
}

/** Creates topics with fresh names (waiting for their leaders) and returns the names. */
export async function createTopics(specs: { prefix: string; partitions?: number }[]): Promise<string[]> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const topics = specs.map((s) => ({ topic: uniqueName(s.prefix).replace(/_/g, '.'), numPartitions: s.partitions ?? 3 }));
    await admin.createTopics({ topics, waitForLeaders: true });
    return topics.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

/** A Redis key prefix of its own, so suites never see each other's keys or streams. */
export const uniqueRedisPrefix = (): string => `${uniqueName('t')}:`;
