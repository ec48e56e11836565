import { SEND_ACK_MARGIN_MS, SEND_ACK_TIMEOUT_MS, TOPICS, usernameSchema } from '@chat/protocol';
import { checkKafkaSecurity, env, kafkaSecurityVariables, loadEnvironment, parseEnvironment } from '@chat/service-kit';
import { z } from 'zod';

/** The JWT secret of .env.example: published, so accepted only by the test harness (NODE_ENV=test). */
export const DEV_JWT_SECRET = 'dev-only-secret-change-me-dev-only-secret';

/**
 * Secrets anyone can read (in this repository, its history, or its docs): whoever knows one forges any
 * token. Refused in every mode but the test harness, as is a missing secret.
 */
export const PUBLISHED_SECRETS: readonly string[] = [DEV_JWT_SECRET, 'change-me', 'secret', 'changeme'];

const secret = z.string().min(32, 'must be at least 32 characters');

const { int } = env;

const optionalUrl = z.union([z.literal('').transform(() => undefined), z.url({ protocol: /^https?$/ })]).optional();

/**
 * Files: object storage and limits. With S3_ENDPOINT unset the gateway talks to AWS S3 of S3_REGION with
 * the default credential chain (EKS Pod Identity or IRSA: no static keys in production).
 */
const FILES_ENVIRONMENT = {
  /** An S3-compatible server (the local one); unset or empty: AWS S3. */
  S3_ENDPOINT: optionalUrl,
  /** The endpoint browsers reach the store at, when it differs from S3_ENDPOINT (presigned URLs name it). */
  S3_PUBLIC_ENDPOINT: optionalUrl,
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').default('chat-files'),
  /** Path-style URLs (http://host/bucket/key): what local S3 servers need. */
  S3_FORCE_PATH_STYLE: env.flag().default(false),
  /** Static keys, for a local server only; both or neither. */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Create the bucket at start-up when missing (local systems, tests); production's is Pulumi's. */
  S3_CREATE_BUCKET: env.flag().default(false),
  /** Largest file, in bytes (default 25 MB). */
  FILE_MAX_BYTES: int(1).default(25 * 1024 * 1024),
  /** Bytes of files one user may keep (default 1 GB). */
  FILE_QUOTA_BYTES: int(1).default(1024 * 1024 * 1024),
  /** How long an upload URL stays valid. */
  FILE_UPLOAD_URL_TTL_SECONDS: int(1, 3600).default(600),
  /** How long a download URL stays valid: short, since membership is checked only when it is made. */
  FILE_DOWNLOAD_URL_TTL_SECONDS: int(1, 3600).default(60),
  /** Part size of multipart uploads (large files), bytes: at least S3's 5 MiB (default 8 MiB). */
  FILE_PART_BYTES: int(5 * 1024 * 1024).default(8 * 1024 * 1024),
  /** Uploads no message took are deleted by the sweep once this old (default 24 h). */
  FILE_ORPHAN_AGE_MS: int(60_000).default(24 * 3600_000),
  /** The thumbnail worker's consumer group on the messages topic. */
  THUMBNAIL_GROUP_ID: z.string().min(1).default('chat-thumbnails'),
};

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
    /**
     * How long an unused database connection stays open (0: until the process ends). A new connection costs a
     * SCRAM handshake, a fresh backend, and the first executions of every prepared read planned again; with
     * pg's 10 s, a burst after a quiet spell opened tens of them at once (the tail of search and members pages).
     */
    DATABASE_POOL_IDLE_MS: int(0, 86_400_000).default(300_000),
    /** How long a gateway trusts a remembered session, user or membership without an announcement (auth/access-cache.ts); 0 turns the cache off. */
    ACCESS_CACHE_TTL_MS: int(0, 300_000).default(30_000),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }),
    REDIS_KEY_PREFIX: z.string().max(64).default('chat:'),
    /** Entries kept in the Socket.IO Redis stream: must cover RECOVERY_WINDOW_MS of traffic. */
    REDIS_STREAM_MAXLEN: int(1000).default(200_000),
    KAFKA_BROKERS: env.brokers(),
    KAFKA_CLIENT_ID: z.string().default('chat-gateway'),
    KAFKA_MESSAGES_TOPIC: z.string().default(TOPICS.messages),
    KAFKA_MESSAGES_PARTITIONS: int(1, 10_000).default(12),
    KAFKA_CREATE_TOPICS: env.flag().default(true),
    ...kafkaSecurityVariables,
    /**
     * How long a send may wait for Kafka before it is answered UNAVAILABLE: well inside the client's own
     * wait (SEND_ACK_TIMEOUT_MS), so that clients get the answer instead of timing out before it.
     */
    KAFKA_SEND_TIMEOUT_MS: int(100, SEND_ACK_TIMEOUT_MS - SEND_ACK_MARGIN_MS).default(6_000),
    /** Signs people's tokens. Missing or published: refused (npm start generates one into .data/local). */
    JWT_SECRET: secret.default(DEV_JWT_SECRET),
    /** The secret before a rotation: still verifies the tokens it signed until they expire; never signs. */
    JWT_SECRET_PREVIOUS: secret.optional(),
    /**
     * The service tokens' own key (the assistant's `role: "service"` tokens, audience `chat-service`):
     * a leaked user-token secret cannot forge one. Unset: JWT_SECRET signs them too (npm start sets both).
     */
    SERVICE_TOKEN_SECRET: secret.optional(),
    SERVICE_TOKEN_SECRET_PREVIOUS: secret.optional(),
    /** The access tokens' lifetime: short (at most 15 min), as a stolen one cannot be called back before it expires. */
    JWT_TTL_SECONDS: int(60, 900).default(900),
    /** How long a session stays signed in unused (each refresh moves it on): the refresh cookie's lifetime. */
    REFRESH_TOKEN_TTL_SECONDS: int(3600, 90 * 86_400).default(14 * 86_400),
    CORS_ORIGIN: z.string().default('http://localhost:8080'),
    /**
     * Express "trust proxy": exactly the hops that may set X-Forwarded-For (rate limits key on the client
     * address). The edge (nginx, the ingress) sets it from the address it saw; trusting whole private
     * ranges let any client there rotate the header. Local: loopback; compose: the proxy's network.
     */
    TRUST_PROXY: z.string().default('loopback'),
    MESSAGE_RATE_LIMIT: int(1).default(30),
    MESSAGE_RATE_WINDOW_MS: int(100).default(10_000),
    LOGIN_RATE_LIMIT: int(1).default(10),
    LOGIN_RATE_WINDOW_MS: int(100).default(60_000),
    REGISTER_RATE_LIMIT: int(1).default(30),
    REGISTER_RATE_WINDOW_MS: int(100).default(60_000),
    RECOVERY_WINDOW_MS: int(0).default(120_000),
    /** Open sockets one user may hold across every gateway; the next handshake is refused RATE_LIMITED. */
    MAX_SOCKETS_PER_USER: int(1, 10_000).default(20),
    /** A socket's slot in that count lasts this long unless its gateway renews it: a crashed gateway's stop counting. */
    SOCKET_LEASE_MS: int(1_000).default(60_000),
    /** A gateway silent this long is dead: its users with no socket left are announced offline (realtime/presence-expiry.ts). */
    PRESENCE_TTL_MS: int(11_000).default(15_000),
    SHUTDOWN_GRACE_MS: int(0).default(10_000),
    /** Several events to one connection within a turn of the event loop leave in one frame, for clients that ask (realtime/frame-batching.ts). */
    SOCKET_BATCHING: env.flag().default(true),
    /** How long a batch waits for more events, in ms: 0 = until the end of the event loop's turn (no timer). */
    SOCKET_BATCH_DELAY_MS: int(0, 100).default(0),
    /** The room assistant's name (`@name` prompts), announced by GET /api/features; empty = no assistant. */
    ASSISTANT_NAME: z.union([z.literal(''), usernameSchema]).default(''),
    ...FILES_ENVIRONMENT,
  })
  .superRefine((env, ctx) => {
    checkKafkaSecurity(env, ctx);
    if (!env.S3_ACCESS_KEY_ID !== !env.S3_SECRET_ACCESS_KEY) {
      ctx.addIssue({ code: 'custom', path: ['S3_ACCESS_KEY_ID'], message: 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither' });
    }
    if (env.NODE_ENV === 'test') return;
    for (const key of ['JWT_SECRET', 'JWT_SECRET_PREVIOUS', 'SERVICE_TOKEN_SECRET', 'SERVICE_TOKEN_SECRET_PREVIOUS'] as const) {
      const value = env[key];
      if (value !== undefined && PUBLISHED_SECRETS.includes(value)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'missing or a published default, which anyone can forge tokens with: set a random one (openssl rand -base64 32)' });
      }
    }
    if (env.SERVICE_TOKEN_SECRET !== undefined && env.SERVICE_TOKEN_SECRET === env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SERVICE_TOKEN_SECRET'], message: 'must differ from JWT_SECRET: service tokens have a key of their own' });
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
