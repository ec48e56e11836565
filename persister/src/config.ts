import os from 'node:os';
import { TOPICS } from '@chat/protocol';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** "true"/"false" (also 1/0, yes/no): z.coerce.boolean would turn "false" into true. */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

const brokerList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  KAFKA_BROKERS: brokerList,
  KAFKA_MESSAGES_TOPIC: z.string().min(1).default(TOPICS.messages),
  KAFKA_DLQ_TOPIC: z.string().min(1).default(TOPICS.deadLetter),
  KAFKA_MESSAGES_PARTITIONS: positiveInt(12),
  KAFKA_GROUP_ID: z.string().min(1).default('chat-persister'),
  KAFKA_CLIENT_ID: z.string().min(1).default(`chat-persister-${os.hostname()}`),
  KAFKA_CREATE_TOPICS: flag(true),
  // The broker accepts 6 000 to 300 000 by default (group.min/max.session.timeout.ms).
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  PERSISTER_PORT: z.coerce.number().int().min(1).max(65535).default(3100),
  PERSISTER_BATCH_MAX: positiveInt(5000),
  PERSISTER_RETRY_MAX_MS: positiveInt(5000),
});

/** The persister's configuration, parsed once from the environment at start-up. */
export interface PersisterConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly databaseUrl: string;
  readonly kafka: {
    /** Bootstrap brokers, host:port each. */
    readonly brokers: readonly string[];
    /** Client id in broker logs and quotas; default `chat-persister-<hostname>` (the pod name in Kubernetes). */
    readonly clientId: string;
    readonly groupId: string;
    readonly messagesTopic: string;
    readonly deadLetterTopic: string;
    /** Partitions of the messages topic when this service creates it. */
    readonly messagesPartitions: number;
    /** Create the two topics at start when missing (false where Strimzi's KafkaTopic owns them). */
    readonly createTopics: boolean;
    /**
     * Milliseconds without a heartbeat after which the group gives a member's partitions to others:
     * how long a crashed (kill -9) persister's partitions wait. Default 30 000.
     */
    readonly sessionTimeoutMs: number;
  };
  /** Port of /healthz, /readyz and /metrics. */
  readonly port: number;
  /** Most rows written by one INSERT; larger Kafka batches are split. */
  readonly batchMax: number;
  /** Upper bound, in milliseconds, of the wait between two attempts while Postgres is unavailable. */
  readonly retryMaxMs: number;
}

/** A variable is missing or malformed; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses and validates `env` (a pure function, so tests can pass their own). */
export function parseConfig(env: Record<string, string | undefined>): PersisterConfig {
  // Empty values mean "not set", as in .env files and ConfigMaps with blank entries.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    // The variable's name only (not `KAFKA_BROKERS.0`): that is what the operator has to fix.
    const problems = result.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = result.data;
  return deepFreeze({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      groupId: e.KAFKA_GROUP_ID,
      messagesTopic: e.KAFKA_MESSAGES_TOPIC,
      deadLetterTopic: e.KAFKA_DLQ_TOPIC,
      messagesPartitions: e.KAFKA_MESSAGES_PARTITIONS,
      createTopics: e.KAFKA_CREATE_TOPICS,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
    },
    port: e.PERSISTER_PORT,
    batchMax: e.PERSISTER_BATCH_MAX,
    retryMaxMs: e.PERSISTER_RETRY_MAX_MS,
  });
}

/**
 * The configuration of this process, from `process.env` (the only place that reads it). On a bad
 * variable it prints which one and exits with code 78 (EX_CONFIG), before anything connects.
 */
export function loadConfig(): PersisterConfig {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`persister: ${error.message}\n`);
    process.exit(78);
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) if (child && typeof child === 'object') deepFreeze(child as object);
  return Object.freeze(value);
}
