import os from 'node:os';
import { TOPICS, usernameSchema } from '@chat/protocol';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** The development JWT secret of .env.example, refused in production as the gateway refuses it. */
const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
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

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }),
    REDIS_KEY_PREFIX: z.string().max(64).default('chat:'),
    KAFKA_BROKERS: brokerList,
    KAFKA_MESSAGES_TOPIC: z.string().min(1).default(TOPICS.messages),
    KAFKA_CLIENT_ID: z.string().min(1).default(`chat-assistant-${os.hostname()}`),
    ASSISTANT_GROUP_ID: z.string().min(1).default('chat-assistant'),
    KAFKA_SESSION_TIMEOUT_MS: int(6000, 300_000, 30_000),
    GATEWAY_URL: z.url({ protocol: /^https?$/ }),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
    ASSISTANT_PORT: int(1, 65535, 3200),
    ASSISTANT_NAME: usernameSchema.default('assistant'),
    ASSISTANT_API: z.enum(['ollama', 'openai']).default('ollama'),
    ASSISTANT_URL: z.url({ protocol: /^https?$/ }),
    ASSISTANT_MODEL: z.string().min(1).max(200).default('llama3.2'),
    ASSISTANT_API_KEY: z.string().optional(),
    ASSISTANT_TIMEOUT_MS: int(100, 600_000, 60_000),
    ASSISTANT_MAX_TOKENS: int(1, 32_768, 512),
    ASSISTANT_CONTEXT_MESSAGES: int(0, 100, 20),
    ASSISTANT_USER_RATE_LIMIT: int(1, 10_000, 5),
    ASSISTANT_ROOM_RATE_LIMIT: int(1, 100_000, 20),
    ASSISTANT_RATE_WINDOW_MS: int(1000, 86_400_000, 60_000),
    ASSISTANT_CONCURRENCY: int(1, 64, 4),
    ASSISTANT_STREAM_INTERVAL_MS: int(0, 5000, 50),
    ASSISTANT_CREATE_USER: flag(true),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'the development default is refused in production: set the gateways\' secret' });
    }
  });

/** Which HTTP dialect the model endpoint speaks. */
export type ModelApi = 'ollama' | 'openai';

/** The assistant worker's configuration, parsed once from the environment at start-up. */
export interface AssistantConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly databaseUrl: string;
  readonly redis: {
    readonly url: string;
    /** Prefix of every key, the same as the gateways' (REDIS_KEY_PREFIX). */
    readonly keyPrefix: string;
  };
  readonly kafka: {
    readonly brokers: readonly string[];
    /** Default `chat-assistant-<hostname>` (the pod name in Kubernetes). */
    readonly clientId: string;
    /** The worker's own consumer group on the messages topic (ASSISTANT_GROUP_ID, default `chat-assistant`). */
    readonly groupId: string;
    readonly messagesTopic: string;
    readonly sessionTimeoutMs: number;
  };
  /** Where the worker connects as a Socket.IO client: the ingress, nginx or one gateway. */
  readonly gatewayUrl: string;
  /** The gateways' HS256 secret: the worker signs its own service token with it. */
  readonly jwtSecret: string;
  /** Port of /healthz, /readyz and /metrics. */
  readonly port: number;
  /** The bot's username and the word after `@` that asks it (default `assistant`). */
  readonly name: string;
  readonly model: {
    readonly api: ModelApi;
    /** Base URL of the endpoint: `http://localhost:11434` (Ollama) or `https://host/v1`-less base (OpenAI-compatible). */
    readonly url: string;
    readonly model: string;
    /** Sent as `Authorization: Bearer` when set. */
    readonly apiKey?: string;
    /** Most milliseconds one answer may take, first byte to last; then the reply says it timed out. */
    readonly timeoutMs: number;
    /** Most tokens the model may write for one answer. */
    readonly maxTokens: number;
  };
  /** How many earlier messages of the room go with the prompt. */
  readonly contextMessages: number;
  readonly limits: {
    /** Prompts one user may send per window (all rooms). */
    readonly perUser: number;
    /** Prompts one room may send per window (all users). */
    readonly perRoom: number;
    readonly windowMs: number;
  };
  /** Prompts answered at once (partitions consumed concurrently). */
  readonly concurrency: number;
  /** Pieces of a reply are sent to the room at most this often, in milliseconds (0: every token). */
  readonly streamIntervalMs: number;
  /** Create the bot's user row at start when missing. */
  readonly createUser: boolean;
}

/** A variable is missing or malformed; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses and validates `env` (a pure function, so tests can pass their own). */
export function parseConfig(env: Record<string, string | undefined>): AssistantConfig {
  // Empty values mean "not set", as in .env files and ConfigMaps with blank entries.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = result.data;
  return deepFreeze({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      groupId: e.ASSISTANT_GROUP_ID,
      messagesTopic: e.KAFKA_MESSAGES_TOPIC,
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
    },
    gatewayUrl: e.GATEWAY_URL,
    jwtSecret: e.JWT_SECRET,
    port: e.ASSISTANT_PORT,
    name: e.ASSISTANT_NAME,
    model: {
      api: e.ASSISTANT_API,
      url: e.ASSISTANT_URL.replace(/\/+$/, ''),
      model: e.ASSISTANT_MODEL,
      apiKey: e.ASSISTANT_API_KEY,
      timeoutMs: e.ASSISTANT_TIMEOUT_MS,
      maxTokens: e.ASSISTANT_MAX_TOKENS,
    },
    contextMessages: e.ASSISTANT_CONTEXT_MESSAGES,
    limits: { perUser: e.ASSISTANT_USER_RATE_LIMIT, perRoom: e.ASSISTANT_ROOM_RATE_LIMIT, windowMs: e.ASSISTANT_RATE_WINDOW_MS },
    concurrency: e.ASSISTANT_CONCURRENCY,
    streamIntervalMs: e.ASSISTANT_STREAM_INTERVAL_MS,
    createUser: e.ASSISTANT_CREATE_USER,
  });
}

/**
 * The configuration of this process, from `process.env` (the only place that reads it). On a bad
 * variable it prints which one and exits with code 78 (EX_CONFIG), before anything connects.
 */
export function loadConfig(): AssistantConfig {
  try {
    return parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`assistant: ${error.message}\n`);
    process.exit(78);
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) if (child && typeof child === 'object') deepFreeze(child as object);
  return Object.freeze(value);
}
