import { TOPICS, usernameSchema } from '@chat/protocol';
import { env, loadEnvironment, parseEnvironment } from '@chat/service-kit';
import { z } from 'zod';

/** The JWT secret of .env.example: fine on a laptop, refused in production. */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';

const { int } = env;

/** The gateway's environment variables, with their defaults (every one is in .env.example). */
export const gatewayEnvironment = z
  .object({
    NODE_ENV: env.nodeEnv(),
    LOG_LEVEL: env.logLevel(),
    HOST: z.string().default('0.0.0.0'),
    PORT: int(1, 65535).default(3000),
    GATEWAY_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" (at most 64)').default('gateway'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
    DATABASE_POOL_MAX: int(1, 200).default(20),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }),
    REDIS_KEY_PREFIX: z.string().max(64).default('chat:'),
    /** Entries kept in the Socket.IO Redis stream: must cover RECOVERY_WINDOW_MS of traffic. */
    REDIS_STREAM_MAXLEN: int(1000).default(200_000),
    KAFKA_BROKERS: env.brokers(),
    KAFKA_CLIENT_ID: z.string().default('chat-gateway'),
    KAFKA_MESSAGES_TOPIC: z.string().default(TOPICS.messages),
    KAFKA_MESSAGES_PARTITIONS: int(1, 10_000).default(12),
    KAFKA_CREATE_TOPICS: env.flag().default(true),
    /** How long a send may wait for Kafka before it is answered UNAVAILABLE. */
    KAFKA_SEND_TIMEOUT_MS: int(100).default(10_000),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
    JWT_TTL_SECONDS: int(60).default(86_400),
    CORS_ORIGIN: z.string().default('http://localhost:8080'),
    /** Express "trust proxy": which hops may set X-Forwarded-For (rate limits key on the client address). */
    TRUST_PROXY: z.string().default('loopback, linklocal, uniquelocal'),
    MESSAGE_RATE_LIMIT: int(1).default(30),
    MESSAGE_RATE_WINDOW_MS: int(100).default(10_000),
    LOGIN_RATE_LIMIT: int(1).default(10),
    LOGIN_RATE_WINDOW_MS: int(100).default(60_000),
    REGISTER_RATE_LIMIT: int(1).default(30),
    REGISTER_RATE_WINDOW_MS: int(100).default(60_000),
    RECOVERY_WINDOW_MS: int(0).default(120_000),
    SHUTDOWN_GRACE_MS: int(0).default(10_000),
    /** The room assistant's name (`@name` prompts), announced by GET /api/features; empty = no assistant. */
    ASSISTANT_NAME: z.union([z.literal(''), usernameSchema]).default(''),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'the development default is refused in production: set a random secret' });
    }
  });

export type GatewayConfig = Readonly<z.infer<typeof gatewayEnvironment>>;

const OPTIONS = { service: 'gateway' };

/** Parses and validates `environment` (pure, for tests); throws a ConfigError naming every bad variable. */
export function parseConfig(environment: Record<string, string | undefined>): GatewayConfig {
  return parseEnvironment(gatewayEnvironment, environment, OPTIONS);
}

/**
 * The gateway's configuration, read from the environment once: a missing or malformed variable stops
 * the process, naming it, before anything connects (a gateway never runs half-configured).
 */
export function loadConfig(): GatewayConfig {
  return loadEnvironment(gatewayEnvironment, OPTIONS);
}
