import { TOPICS } from '@chat/protocol';
import { readKafkaVersion } from './kafka-version';

/** The two environments the app synthesizes. */
export type EnvironmentName = 'dev' | 'prod';

/** How browsers reach the platform: Gateway API through Envoy Gateway (prod default) or ingress-nginx (dev default, retired upstream). */
export type RoutingMode = 'ingress' | 'gateway-api';

/** CPU, memory and ephemeral storage (the /tmp emptyDir, logs) of one container, in Kubernetes quantity notation ("250m", "256Mi"). */
export interface ContainerResources {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
  /** Default "64Mi" request and "256Mi" limit: a pod past its limit is evicted instead of filling the node's disk. */
  readonly ephemeralStorageRequest?: string;
  readonly ephemeralStorageLimit?: string;
}

/** A pod toleration (the Kubernetes shape). */
export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

/** Label of the node groups (managed and Karpenter NodePools, pulumi/): `system` or `app`. */
export const NODE_ROLE_LABEL = 'chat.example.com/node-role';

/**
 * A datastore outside the cluster (RDS, ElastiCache). Pods reach it through an ExternalName Service
 * of the usual name, so the connection strings are the same in every environment, and the
 * NetworkPolicies open egress to `cidr` on `port` only.
 */
export interface ExternalEndpoint {
  /** DNS name of the endpoint, e.g. the RDS instance address. */
  readonly host: string;
  readonly port: number;
  /** Address range the endpoint lives in (the VPC's database subnets), for the egress NetworkPolicy. */
  readonly cidr: string;
}

/** Where the `chat-secrets` Secret comes from. It is never rendered with values. */
export type SecretSource =
  /** The operator creates `chat-secrets` with kubectl (dev, or a cluster without External Secrets). */
  | { readonly kind: 'operator' }
  /** An ExternalSecret (external-secrets.io/v1) fills `chat-secrets` from a secret store. */
  | {
      readonly kind: 'external-secrets';
      /** Name of the ClusterSecretStore (e.g. one backed by AWS Secrets Manager). */
      readonly storeName: string;
      /** Key of the JSON secret in the store holding JWT_SECRET and DATABASE_URL. */
      readonly remoteKey: string;
    };

/**
 * The room assistant worker (assistant/): off unless configured. It answers `@<name>` prompts from a
 * language model at `url`, which the NetworkPolicy lets it reach at `modelEgress` only.
 */
export interface AssistantSettings {
  readonly replicas: number;
  readonly resources: ContainerResources;
  /** Bot username and prompt word. Default in the worker: "assistant". */
  readonly name: string;
  readonly api: 'ollama' | 'openai';
  /** Base URL of the model endpoint (http or https). */
  readonly url: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxTokens: number;
  readonly contextMessages: number;
  /** Where the endpoint lives (address range and port), e.g. `{ cidr: '0.0.0.0/0', port: 443 }` for a public API. */
  readonly modelEgress: { readonly cidr: string; readonly port: number };
}

/** Everything that differs between environments. Presets: {@link devConfig}, {@link prodConfig}. */
export interface PlatformConfig {
  readonly environment: EnvironmentName;
  /** Namespace of every namespaced object. Default "chat". */
  readonly namespace: string;
  readonly images: {
    /** Registry prefix ("123.dkr.ecr.eu-west-1.amazonaws.com/chat"); empty for kind/minikube local images. */
    readonly registry: string;
    /** Tag of the three images (gateway, persister, web). */
    readonly tag: string;
    readonly pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  };
  /** Public host name of the web app and API. */
  readonly host: string;
  readonly routing: RoutingMode;
  /** cert-manager ClusterIssuer this app creates and the Ingress uses for its TLS certificate. */
  readonly tls: { readonly issuer: 'self-signed' } | { readonly issuer: 'letsencrypt'; readonly email: string; readonly acmeServer: string };
  /** The Gateway API edge (only with routing "gateway-api"), run by Envoy Gateway. */
  readonly gatewayApi: {
    readonly gatewayName: string;
    /** Namespace of the Gateway and of Envoy Gateway's proxies (its controller namespace): the edge of the NetworkPolicies. */
    readonly gatewayNamespace: string;
    /** GatewayClass (and EnvoyProxy) name. */
    readonly className: string;
    /** `aws-nlb`: an internet-facing NLB (AWS Load Balancer Controller); `cluster-default`: whatever LoadBalancer the cluster has (kind, minikube). */
    readonly loadBalancer: 'aws-nlb' | 'cluster-default';
    /** Require the PROXY protocol header from the load balancer (the real client address, end to end). */
    readonly proxyProtocol: boolean;
  };
  /** Namespace of the ingress-nginx controller, the only source of traffic into gateway and web. */
  readonly ingressNamespace: string;
  /** Namespace of Prometheus, allowed to scrape /metrics. */
  readonly monitoringNamespace: string;
  readonly gateway: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** HPA target of average CPU utilization, in percent of the request. */
    readonly cpuTargetPercent: number;
    /** Open sockets per gateway pod to scale at (KEDA, prod): the memory and event-loop budget of one pod. */
    readonly socketsPerPod: number;
    readonly resources: ContainerResources;
    /**
     * FANOUT_MODE (docs/scaling.md): `stream`, every gateway reads every room's broadcasts from one Redis
     * stream; `sharded`, Redis 7 sharded pub/sub, a gateway is sent only the rooms it holds a member of.
     * Sharded needs Redis (or Valkey) 7+; on a Redis Cluster it is not yet supported (docs/scaling.md, "Switch").
     */
    readonly fanoutMode: 'stream' | 'sharded';
  };
  /** `replicas`: the count (hpa mode) or the floor (keda mode, which scales on lag up to the partitions). */
  readonly persister: { readonly replicas: number; readonly lagPerReplica: number; readonly resources: ContainerResources };
  /** `hpa`: a CPU HorizontalPodAutoscaler for the gateway, fixed persisters (kind, minikube); `keda`: KEDA ScaledObjects (EKS). */
  readonly autoscaling: 'hpa' | 'keda';
  readonly web: { readonly replicas: number; readonly resources: ContainerResources };
  readonly kafka: {
    /** Apache Kafka version of the Strimzi cluster: the platform's one version (local/kafka/pom.xml). */
    readonly version: string;
    /** Dual-role (controller + broker) KRaft nodes. */
    readonly nodes: number;
    /** Partitions of the messages topic: the upper bound of persister replicas and of per-room parallelism. */
    readonly messagesPartitions: number;
    readonly dlqPartitions: number;
    readonly replicationFactor: number;
    readonly minInSyncReplicas: number;
    /** Persistent volume size per node ("20Gi"); undefined means ephemeral storage (dev only). */
    readonly storageSize?: string;
    readonly resources: ContainerResources;
    /**
     * `scram-sha-512`: the clients' listener is TLS with SCRAM-SHA-512, one KafkaUser per service with
     * ACLs for exactly its topics and groups (kafka-users.ts). Undefined: plaintext, unauthenticated (dev).
     */
    readonly authentication?: 'scram-sha-512';
  };
  /** In-cluster PostgreSQL (dev) or an external endpoint (prod, e.g. RDS). */
  readonly postgres: { readonly mode: 'in-cluster'; readonly image: string; readonly storageSize: string } | ({ readonly mode: 'external' } & ExternalEndpoint);
  /** In-cluster Redis (dev) or an external endpoint (prod, e.g. ElastiCache without cluster mode). */
  readonly redis: { readonly mode: 'in-cluster'; readonly image: string } | ({ readonly mode: 'external' } & ExternalEndpoint);
  readonly secrets: SecretSource;
  /** Create prometheus-operator ServiceMonitors (needs its CRDs in the cluster). */
  readonly serviceMonitors: boolean;
  /** Spread gateway, persister and web pods over nodes and zones (prod). */
  readonly spreadOverZones: boolean;
  /** Where the app's pods run: nodeSelector and tolerations of every Deployment and Job (prod: the `app` nodes). */
  readonly placement: { readonly nodeSelector: Readonly<Record<string, string>>; readonly tolerations: readonly Toleration[] };
  /** Extra annotations of every app pod (e.g. for a service mesh or log shipper). Default none. */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** The room assistant; undefined (the presets' default) deploys none and the web app hides its hint. */
  readonly assistant?: AssistantSettings;
  /** Files in messages: object storage, the thumbnail worker, the orphan sweep (files.ts); undefined: none. */
  readonly files?: FilesSettings;
}

/** Where files live and what processes them (see k8s/src/files.ts). */
export interface FilesSettings {
  /**
   * `in-cluster`: a versitygw StatefulSet (dev on kind/minikube), browsers reach its bucket under
   * `/<bucket>/` of the web host; `s3`: the Pulumi FileBucket, reached through the gateway service
   * account's IAM role (IRSA, no static keys) at the bucket's own origin.
   */
  readonly store:
    | { readonly mode: 'in-cluster'; readonly image: string; readonly storageSize: string; readonly bucket: string }
    | {
        readonly mode: 's3';
        readonly bucket: string;
        readonly region: string;
        readonly gatewayRoleArn: string;
        /** The origin the web page's CSP allows for uploads and images; default the bucket's (Pulumi's filesBucketOrigin output). */
        readonly browserOrigin?: string;
      };
  /** The thumbnail worker's Deployment, scaled on CPU (decoding images is all it does). */
  readonly thumbnails: { readonly minReplicas: number; readonly maxReplicas: number; readonly cpuTargetPercent: number; readonly resources: ContainerResources };
  /** Five-field cron schedule of the orphan sweep. */
  readonly sweepSchedule: string;
}

/** Name of the Secret holding JWT_SECRET, DATABASE_URL (and POSTGRES_PASSWORD in dev). Never synthesized with data. */
export const SECRET_NAME = 'chat-secrets';

/** Fixed ports of the services (their defaults in .env.example). */
export const PORTS = { gateway: 3000, persister: 3100, assistant: 3200, web: 8080, redis: 6379, postgres: 5432, kafka: 9092, kafkaTls: 9093 } as const;

/** The Strimzi cluster name; also the prefix of its bootstrap Service. */
export const KAFKA_CLUSTER_NAME = 'chat-kafka';

/** The port the services reach the brokers on: the TLS + SCRAM listener where Kafka authenticates. */
export const kafkaClientPort = (config: PlatformConfig): number => (config.kafka.authentication ? PORTS.kafkaTls : PORTS.kafka);

/** Kafka topics, from the shared protocol package so that manifests and services agree. */
export const KAFKA_TOPICS = TOPICS;

const small: ContainerResources = { cpuRequest: '100m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' };

/** kind or minikube: one replica of everything, in-cluster Redis and Postgres, local images. */
export function devConfig(overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return validateConfig({
    environment: 'dev',
    namespace: 'chat',
    images: { registry: '', tag: 'dev', pullPolicy: 'IfNotPresent' },
    host: 'chat.localtest.me',
    routing: 'ingress',
    tls: { issuer: 'self-signed' },
    gatewayApi: { gatewayName: 'chat', gatewayNamespace: 'envoy-gateway-system', className: 'envoy', loadBalancer: 'cluster-default', proxyProtocol: false },
    ingressNamespace: 'ingress-nginx',
    monitoringNamespace: 'monitoring',
    gateway: { minReplicas: 1, maxReplicas: 3, cpuTargetPercent: 70, socketsPerPod: 2000, resources: { ...small, memoryLimit: '384Mi' }, fanoutMode: 'stream' },
    persister: { replicas: 1, lagPerReplica: 10_000, resources: small },
    autoscaling: 'hpa',
    web: { replicas: 1, resources: { cpuRequest: '20m', cpuLimit: '200m', memoryRequest: '32Mi', memoryLimit: '64Mi' } },
    kafka: {
      version: readKafkaVersion(),
      nodes: 1,
      messagesPartitions: 12,
      dlqPartitions: 1,
      replicationFactor: 1,
      minInSyncReplicas: 1,
      resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    },
    postgres: { mode: 'in-cluster', image: 'postgres:17-alpine', storageSize: '2Gi' },
    // Valkey: the BSD-licensed continuation of Redis (Redis 8 is AGPL/SSPL), same protocol and streams.
    redis: { mode: 'in-cluster', image: 'valkey/valkey:8-alpine' },
    secrets: { kind: 'operator' },
    serviceMonitors: false,
    spreadOverZones: false,
    placement: { nodeSelector: {}, tolerations: [] },
    podAnnotations: {},
    files: {
      store: { mode: 'in-cluster', image: 'versity/versitygw:v1.8.0', storageSize: '5Gi', bucket: 'chat-files' },
      thumbnails: { minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 80, resources: small },
      sweepSchedule: '17 * * * *',
    },
    ...overrides,
  });
}

/**
 * EKS: replicated everything, external Postgres (RDS) and Redis (ElastiCache), spread over zones.
 * The endpoints below are placeholders that an operator overrides (see the README).
 */
export function prodConfig(overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return validateConfig({
    environment: 'prod',
    namespace: 'chat',
    images: { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', tag: '0.1.0', pullPolicy: 'IfNotPresent' },
    host: 'chat.example.com',
    // Gateway API through Envoy Gateway: ingress-nginx is retired (no patches since March 2026).
    routing: 'gateway-api',
    tls: { issuer: 'letsencrypt', email: 'ops@example.com', acmeServer: 'https://acme-v02.api.letsencrypt.org/directory' },
    gatewayApi: { gatewayName: 'chat', gatewayNamespace: 'envoy-gateway-system', className: 'envoy', loadBalancer: 'aws-nlb', proxyProtocol: true },
    ingressNamespace: 'ingress-nginx',
    monitoringNamespace: 'monitoring',
    gateway: {
      minReplicas: 3,
      maxReplicas: 30,
      cpuTargetPercent: 65,
      socketsPerPod: 5000,
      fanoutMode: 'stream',
      resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    },
    persister: { replicas: 3, lagPerReplica: 10_000, resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' } },
    autoscaling: 'keda',
    web: { replicas: 2, resources: { cpuRequest: '50m', cpuLimit: '250m', memoryRequest: '32Mi', memoryLimit: '64Mi' } },
    kafka: {
      version: readKafkaVersion(),
      nodes: 3,
      // 48 partitions: enough consumers for 48 persister pods and per-room ordering spread over them,
      // few enough that each broker carries a small number of leaders.
      messagesPartitions: 48,
      dlqPartitions: 3,
      replicationFactor: 3,
      minInSyncReplicas: 2,
      storageSize: '100Gi',
      resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      authentication: 'scram-sha-512',
    },
    postgres: { mode: 'external', host: 'chat.cluster-example.eu-west-1.rds.amazonaws.com', port: 5432, cidr: '10.0.0.0/16' },
    redis: { mode: 'external', host: 'chat.example.cache.amazonaws.com', port: 6379, cidr: '10.0.0.0/16' },
    secrets: { kind: 'external-secrets', storeName: 'aws-secrets-manager', remoteKey: 'chat/prod' },
    serviceMonitors: true,
    spreadOverZones: true,
    // The app node group and Karpenter's `app` NodePool; the system nodes keep the operators.
    placement: { nodeSelector: { [NODE_ROLE_LABEL]: 'app' }, tolerations: [] },
    podAnnotations: {},
    files: {
      // Placeholders: the Pulumi stack's filesBucketName and gatewayRoleArn outputs (see the README).
      store: { mode: 's3', bucket: 'chat-prod-files', region: 'eu-west-1', gatewayRoleArn: 'arn:aws:iam::123456789012:role/chat-prod-gateway-files' },
      thumbnails: { minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70, resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '512Mi' } },
      sweepSchedule: '17 * * * *',
    },
    ...overrides,
  });
}

/** The preset of an environment by name. */
export function configFor(environment: EnvironmentName, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return environment === 'dev' ? devConfig(overrides) : prodConfig(overrides);
}

/**
 * Rejects combinations that would synthesize a broken platform, at synth time.
 * @throws Error naming the offending setting.
 */
export function validateConfig(config: PlatformConfig): PlatformConfig {
  const fail = (message: string): never => {
    throw new Error(`Invalid ${config.environment} config: ${message}`);
  };
  const { kafka, gateway, persister } = config;
  // A consumer group never gives one partition to two members: extra persisters would sit idle.
  if (persister.replicas > kafka.messagesPartitions) {
    fail(`persister.replicas (${persister.replicas}) exceeds the ${kafka.messagesPartitions} partitions of ${KAFKA_TOPICS.messages}`);
  }
  if (persister.replicas < 1) fail('persister.replicas must be at least 1');
  if (gateway.minReplicas < 1 || gateway.maxReplicas < gateway.minReplicas) {
    fail(`gateway replicas must satisfy 1 <= minReplicas (${gateway.minReplicas}) <= maxReplicas (${gateway.maxReplicas})`);
  }
  if (kafka.replicationFactor > kafka.nodes) fail(`kafka.replicationFactor (${kafka.replicationFactor}) exceeds kafka.nodes (${kafka.nodes})`);
  if (kafka.minInSyncReplicas > kafka.replicationFactor) fail('kafka.minInSyncReplicas exceeds kafka.replicationFactor');
  if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(kafka.version)) fail(`kafka.version "${kafka.version}" is not x.y.z`);
  if (!config.images.tag) fail('images.tag is empty');
  if (config.environment === 'prod' && kafka.storageSize === undefined) fail('prod Kafka needs persistent storage (kafka.storageSize)');
  const { assistant } = config;
  if (assistant) {
    if (assistant.replicas < 1) fail('assistant.replicas must be at least 1');
    // Its own consumer group: more members than partitions would sit idle.
    if (assistant.replicas > kafka.messagesPartitions) fail(`assistant.replicas (${assistant.replicas}) exceeds the ${kafka.messagesPartitions} partitions of ${KAFKA_TOPICS.messages}`);
    if (!/^https?:\/\/[^\s]+$/.test(assistant.url)) fail(`assistant.url "${assistant.url}" is not an http(s) URL`);
    if (!/^[A-Za-z0-9_.-]{3,32}$/.test(assistant.name)) fail(`assistant.name "${assistant.name}" is not a valid username`);
  }
  const { files } = config;
  if (files) {
    const t = files.thumbnails;
    if (t.minReplicas < 1 || t.maxReplicas < t.minReplicas) fail(`files.thumbnails replicas must satisfy 1 <= minReplicas (${t.minReplicas}) <= maxReplicas (${t.maxReplicas})`);
    if (t.maxReplicas > kafka.messagesPartitions) fail(`files.thumbnails.maxReplicas (${t.maxReplicas}) exceeds the ${kafka.messagesPartitions} partitions of ${KAFKA_TOPICS.messages}`);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(files.store.bucket)) fail(`files.store.bucket "${files.store.bucket}" is not an S3 bucket name`);
    if (files.store.mode === 's3' && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(files.store.gatewayRoleArn)) fail('files.store.gatewayRoleArn is not an IAM role ARN');
    // It goes into an nginx config and a CSP header: an https origin and nothing else.
    if (files.store.mode === 's3' && files.store.browserOrigin !== undefined && !/^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(files.store.browserOrigin)) {
      fail(`files.store.browserOrigin "${files.store.browserOrigin}" is not an https origin (https://host[:port])`);
    }
    if (files.sweepSchedule.trim().split(/\s+/).length !== 5) fail(`files.sweepSchedule "${files.sweepSchedule}" is not a five-field cron expression`);
  }
  return Object.freeze(config);
}

/** Full image reference of one of the platform's images, e.g. `<registry>/chat-gateway:<tag>`. */
export function imageFor(config: PlatformConfig, name: 'gateway' | 'persister' | 'assistant' | 'web'): string {
  const repository = `chat-${name}`;
  return `${config.images.registry ? `${config.images.registry}/` : ''}${repository}:${config.images.tag}`;
}
