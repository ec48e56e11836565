import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { KAFKA_CLUSTER_NAME, KAFKA_TOPICS, kafkaClientPort, PORTS, type PlatformConfig, SECRET_NAME } from './config';
import { KAFKA_GROUPS } from './kafka-users';

/** Keys of the `chat-secrets` Secret; the operator (or an ExternalSecret) provides their values. */
export const SECRET_KEYS = {
  jwtSecret: 'JWT_SECRET',
  serviceTokenSecret: 'SERVICE_TOKEN_SECRET',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  postgresPassword: 'POSTGRES_PASSWORD',
  assistantApiKey: 'ASSISTANT_API_KEY',
  objectStoreAccessKey: 'S3_ACCESS_KEY_ID',
  objectStoreSecretKey: 'S3_SECRET_ACCESS_KEY',
} as const;

/**
 * Whether REDIS_URL is a secret: a managed Redis (ElastiCache) requires TLS and an AUTH token, so its
 * URL is `rediss://:<token>@<endpoint>` from the secret store (the endpoint's own name, which its
 * certificate matches). The in-cluster Redis of dev has a plain URL in the ConfigMap.
 */
export const redisUrlIsSecret = (config: PlatformConfig): boolean => config.redis.mode === 'external';

/** How long the gateway lets sockets move elsewhere after SIGTERM (SHUTDOWN_GRACE_MS). */
export const GATEWAY_SHUTDOWN_GRACE_MS = 10_000;

/**
 * The ConfigMaps the services read with envFrom (`chat-config` for all, one per service for the
 * rest), and the reference to the `chat-secrets` Secret. Values mirror .env.example, with in-cluster
 * addresses. Secret values are never part of the synthesized output.
 */
export class AppConfig extends Construct {
  readonly shared: kplus.ConfigMap;
  readonly gateway: kplus.ConfigMap;
  readonly persister: kplus.ConfigMap;
  /** The assistant worker's settings (only when config.assistant is set). */
  readonly assistant?: kplus.ConfigMap;
  readonly secret: kplus.ISecret;

  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    const { namespace } = config;
    const labels = { 'app.kubernetes.io/part-of': 'chat' };

    this.shared = new kplus.ConfigMap(this, 'shared', {
      metadata: { name: 'chat-config', namespace, labels },
      data: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        KAFKA_BROKERS: `${KAFKA_CLUSTER_NAME}-kafka-bootstrap.${namespace}.svc:${kafkaClientPort(config)}`,
        KAFKA_MESSAGES_TOPIC: KAFKA_TOPICS.messages,
        KAFKA_DLQ_TOPIC: KAFKA_TOPICS.deadLetter,
        KAFKA_MESSAGES_PARTITIONS: String(config.kafka.messagesPartitions),
        // Strimzi's KafkaTopics own the topics here: the services must not create them with other settings.
        KAFKA_CREATE_TOPICS: 'false',
      },
    });
    this.gateway = new kplus.ConfigMap(this, 'gateway', {
      metadata: { name: 'chat-gateway-config', namespace, labels },
      data: {
        HOST: '0.0.0.0',
        PORT: String(PORTS.gateway),
        ...(redisUrlIsSecret(config) ? {} : { REDIS_URL: `redis://chat-redis.${namespace}.svc:${PORTS.redis}` }),
        REDIS_KEY_PREFIX: 'chat:',
        JWT_TTL_SECONDS: '900',
        // Exactly one hop sets X-Forwarded-For: the ingress controller (or Gateway API proxy), which appends the
        // address it saw (the client's, with proxy protocol from the load balancer): the rightmost entry.
        TRUST_PROXY: '1',
        CORS_ORIGIN: `https://${config.host}`,
        MESSAGE_RATE_LIMIT: '30',
        MESSAGE_RATE_WINDOW_MS: '10000',
        LOGIN_RATE_LIMIT: '10',
        LOGIN_RATE_WINDOW_MS: '60000',
        RECOVERY_WINDOW_MS: '120000',
        FANOUT_MODE: config.gateway.fanoutMode,
        SHUTDOWN_GRACE_MS: String(GATEWAY_SHUTDOWN_GRACE_MS),
        // GET /api/features announces the assistant only where one is deployed.
        ...(config.assistant ? { ASSISTANT_NAME: config.assistant.name } : {}),
      },
    });
    this.persister = new kplus.ConfigMap(this, 'persister', {
      metadata: { name: 'chat-persister-config', namespace, labels },
      data: { PERSISTER_PORT: String(PORTS.persister), KAFKA_GROUP_ID: KAFKA_GROUPS.persister, PERSISTER_BATCH_MAX: '5000' },
    });

    if (config.assistant) {
      const a = config.assistant;
      this.assistant = new kplus.ConfigMap(this, 'assistant', {
        metadata: { name: 'chat-assistant-config', namespace, labels },
        data: {
          ASSISTANT_PORT: String(PORTS.assistant),
          ASSISTANT_GROUP_ID: KAFKA_GROUPS.assistant,
          ...(redisUrlIsSecret(config) ? {} : { REDIS_URL: `redis://chat-redis.${namespace}.svc:${PORTS.redis}` }),
          REDIS_KEY_PREFIX: 'chat:',
          // The gateways' Service: the worker is one Socket.IO client and needs no affinity.
          GATEWAY_URL: `http://chat-gateway.${namespace}.svc:${PORTS.gateway}`,
          ASSISTANT_NAME: a.name,
          ASSISTANT_API: a.api,
          ASSISTANT_URL: a.url,
          ASSISTANT_MODEL: a.model,
          ASSISTANT_TIMEOUT_MS: String(a.timeoutMs),
          ASSISTANT_MAX_TOKENS: String(a.maxTokens),
          ASSISTANT_CONTEXT_MESSAGES: String(a.contextMessages),
        },
      });
    }

    this.secret = kplus.Secret.fromSecretName(this, 'secret', SECRET_NAME);
    if (config.secrets.kind === 'external-secrets') {
      // The External Secrets operator writes chat-secrets from the store; nothing secret is in git.
      new ApiObject(this, 'external-secret', {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: SECRET_NAME, namespace, labels },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { kind: 'ClusterSecretStore', name: config.secrets.storeName },
          target: { name: SECRET_NAME, creationPolicy: 'Owner' },
          // An OpenAI-compatible assistant endpoint needs its API key from the store too.
          data: [
            SECRET_KEYS.jwtSecret,
            SECRET_KEYS.databaseUrl,
            ...(redisUrlIsSecret(config) ? [SECRET_KEYS.redisUrl] : []),
            ...(config.assistant?.api === 'openai' ? [SECRET_KEYS.assistantApiKey] : []),
          ].map((key) => ({
            secretKey: key,
            remoteRef: { key: config.secrets.kind === 'external-secrets' ? config.secrets.remoteKey : '', property: key },
          })),
        },
      });
    }
  }

  /** An env value read from one key of `chat-secrets`. */
  secretValue(key: (typeof SECRET_KEYS)[keyof typeof SECRET_KEYS], options: { optional?: boolean } = {}): kplus.EnvValue {
    return kplus.EnvValue.fromSecretValue({ secret: this.secret, key }, options);
  }
}
