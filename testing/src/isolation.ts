import crypto from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import type { ServicesEnv } from '@chat/local';
import { testServices } from './services';

/** A name no other suite or run uses: `<prefix>_<12 hex>` (lowercase, safe for databases and topics). */
export const uniqueName = (prefix: string): string => `${prefix}_${crypto.randomBytes(6).toString('hex')}`;

/** A fresh database copied from the run's migrated template; returns its URL. */
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

/**
 * A Kafka client for tests (quiet: expected errors are asserted, not logged), on the run's broker unless
 * `services` names other ones (a suite's own services).
 */
export function testKafka(clientId = uniqueName('test'), services: Pick<ServicesEnv, 'KAFKA_BROKERS'> = testServices().env): Kafka {
  return new Kafka({ clientId, brokers: services.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
}

/**
 * Creates topics with fresh names (waiting for their leaders) and returns the names; on the run's
 * broker unless `services` names other ones.
 */
export async function createTopics(specs: { prefix: string; partitions?: number }[], services?: Pick<ServicesEnv, 'KAFKA_BROKERS'>): Promise<string[]> {
  const admin = testKafka(uniqueName('test'), services).admin();
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
