import os from 'node:os';
import { TOPICS } from '@chat/protocol';
import { checkKafkaSecurity, env, kafkaSecurityVariables, loadEnvironment, parseEnvironment } from '@chat/service-kit';
import { z } from 'zod';

/** The persister's environment variables, with their defaults (every one is in .env.example). */
export const persisterEnvironment = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Bootstrap brokers, host:port each. */
  KAFKA_BROKERS: env.brokers(),
  KAFKA_MESSAGES_TOPIC: z.string().min(1).default(TOPICS.messages),
  KAFKA_DLQ_TOPIC: z.string().min(1).default(TOPICS.deadLetter),
  /** Partitions of the messages topic when this service creates it. */
  KAFKA_MESSAGES_PARTITIONS: env.int(1).default(12),
  KAFKA_GROUP_ID: z.string().min(1).default('chat-persister'),
  /** Client id in broker logs and quotas; default `chat-persister-<hostname>` (the pod name in Kubernetes). */
  KAFKA_CLIENT_ID: z.string().min(1).default(`chat-persister-${os.hostname()}`),
  /** Create the two topics at start when missing (false where Strimzi's KafkaTopic owns them). */
  KAFKA_CREATE_TOPICS: env.flag().default(true),
  ...kafkaSecurityVariables,
  /**
   * Milliseconds without a heartbeat after which the group gives a member's partitions to others: how
   * long a crashed (kill -9) persister's partitions wait. The broker accepts 6 000 to 300 000 by default
   * (group.min/max.session.timeout.ms).
   */
  KAFKA_SESSION_TIMEOUT_MS: env.int(6000, 300_000).default(30_000),
  /** Port of /healthz, /readyz and /metrics. */
  PERSISTER_PORT: env.int(1, 65535).default(3100),
  /** Most rows written by one INSERT; larger Kafka batches are split. */
  PERSISTER_BATCH_MAX: env.int(1).default(5000),
  /** Upper bound, in milliseconds, of the wait between two attempts while Postgres is unavailable. */
  PERSISTER_RETRY_MAX_MS: env.int(1).default(5000),
}).superRefine(checkKafkaSecurity);

/** The persister's configuration, parsed once from the environment at start-up. */
export type PersisterConfig = Readonly<z.output<typeof persisterEnvironment>>;

// PERSISTER_* variables are this service's alone: an unknown one is a typo.
const OPTIONS = { service: 'persister', ownPrefix: 'PERSISTER_' };

/** Parses and validates `environment` (pure, for tests); throws a ConfigError naming every bad variable. */
export function parseConfig(environment: Record<string, string | undefined>): PersisterConfig {
  return parseEnvironment(persisterEnvironment, environment, OPTIONS);
}

/** The configuration of this process; a bad variable stops it, named, before anything connects. */
export function loadConfig(): PersisterConfig {
  return loadEnvironment(persisterEnvironment, OPTIONS);
}
