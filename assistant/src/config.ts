import os from 'node:os';
import { TOPICS, usernameSchema } from '@chat/protocol';
import { checkKafkaSecurity, env, kafkaSecurityVariables, loadEnvironment, parseEnvironment } from '@chat/service-kit';
import { z } from 'zod';

/** The development JWT secret of .env.example, refused in production as the gateway refuses it. */
const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';

/** Which HTTP dialect the model endpoint speaks. */
export type ModelApi = 'ollama' | 'openai';

/** The assistant worker's environment variables, with their defaults (every one is in .env.example). */
export const assistantEnvironment = z
  .object({
    NODE_ENV: env.nodeEnv(),
    LOG_LEVEL: env.logLevel(),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }),
    /** Prefix of every key, the same as the gateways'. */
    REDIS_KEY_PREFIX: z.string().max(64).default('chat:'),
    KAFKA_BROKERS: env.brokers(),
    KAFKA_MESSAGES_TOPIC: z.string().min(1).default(TOPICS.messages),
    /** Default `chat-assistant-<hostname>` (the pod name in Kubernetes). */
    KAFKA_CLIENT_ID: z.string().min(1).default(`chat-assistant-${os.hostname()}`),
    /** The worker's own consumer group on the messages topic. */
    ASSISTANT_GROUP_ID: z.string().min(1).default('chat-assistant'),
    KAFKA_SESSION_TIMEOUT_MS: env.int(6000, 300_000).default(30_000),
    ...kafkaSecurityVariables,
    /** Where the worker connects as a Socket.IO client: the ingress, nginx or one gateway. */
    GATEWAY_URL: z.url({ protocol: /^https?$/ }),
    /** The gateways' HS256 secret: signs the worker's service token when SERVICE_TOKEN_SECRET is unset. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
    /** The service tokens' own key (the gateways' SERVICE_TOKEN_SECRET): the worker signs its token with it. */
    SERVICE_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Port of /healthz, /readyz and /metrics. */
    ASSISTANT_PORT: env.int(1, 65535).default(3200),
    /** The bot's username and the word after `@` that asks it. */
    ASSISTANT_NAME: usernameSchema.default('assistant'),
    ASSISTANT_API: z.enum(['ollama', 'openai']).default('ollama'),
    /** Base URL of the model endpoint (a trailing slash is dropped). */
    ASSISTANT_URL: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
    ASSISTANT_MODEL: z.string().min(1).max(200).default('llama3.2'),
    /** Sent as `Authorization: Bearer` when set. */
    ASSISTANT_API_KEY: z.string().optional(),
    /** Most milliseconds one answer may take, first byte to last; then the reply says it timed out. */
    ASSISTANT_TIMEOUT_MS: env.int(100, 600_000).default(60_000),
    /** Most tokens the model may write for one answer. */
    ASSISTANT_MAX_TOKENS: env.int(1, 32_768).default(512),
    /** How many earlier messages of the room go with the prompt. */
    ASSISTANT_CONTEXT_MESSAGES: env.int(0, 100).default(20),
    /** Prompts one user may send per window (all rooms). */
    ASSISTANT_USER_RATE_LIMIT: env.int(1, 10_000).default(5),
    /** Prompts one room may send per window (all users). */
    ASSISTANT_ROOM_RATE_LIMIT: env.int(1, 100_000).default(20),
    ASSISTANT_RATE_WINDOW_MS: env.int(1000, 86_400_000).default(60_000),
    /** Prompts answered at once (partitions consumed concurrently). */
    ASSISTANT_CONCURRENCY: env.int(1, 64).default(4),
    /** Pieces of a reply are sent to the room at most this often, in milliseconds (0: every token). */
    ASSISTANT_STREAM_INTERVAL_MS: env.int(0, 5000).default(50),
    /** Create the bot's user row at start when missing. */
    ASSISTANT_CREATE_USER: env.flag().default(true),
  })
  .superRefine((e, ctx) => {
    checkKafkaSecurity(e, ctx);
    // Published, so anyone could forge the worker's token: only the test harness may use it.
    if (e.NODE_ENV !== 'test' && e.JWT_SECRET === DEV_JWT_SECRET && e.SERVICE_TOKEN_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SERVICE_TOKEN_SECRET'], message: 'missing, and JWT_SECRET is the published default: set the gateways\' service-token secret' });
    }
  });

/** The assistant worker's configuration, parsed once from the environment at start-up. */
export type AssistantConfig = Readonly<z.output<typeof assistantEnvironment>>;

// ASSISTANT_* variables are read by this worker (ASSISTANT_NAME by the gateways too): an unknown one is a typo.
const OPTIONS = { service: 'assistant', ownPrefix: 'ASSISTANT_' };

/** Parses and validates `environment` (pure, for tests); throws a ConfigError naming every bad variable. */
export function parseConfig(environment: Record<string, string | undefined>): AssistantConfig {
  return parseEnvironment(assistantEnvironment, environment, OPTIONS);
}

/** The configuration of this process; a bad variable stops it, named, before anything connects. */
export function loadConfig(): AssistantConfig {
  return loadEnvironment(assistantEnvironment, OPTIONS);
}
