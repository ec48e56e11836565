import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { type AppConfig, redisUrlIsSecret, SECRET_KEYS } from './app-config';
import { type FilesSettings, imageFor, KAFKA_CLUSTER_NAME, PORTS, type PlatformConfig, SECRET_NAME } from './config';
import { FileSweepCronJob } from './file-sweep-cron-job';
import { GATEWAY_LISTENERS } from './gateway-api-edge';
import { KAFKA_GROUPS, useKafkaUser } from './kafka-users';
import { type Component, componentLabels, selectorLabels, strimziClusterLabels } from './labels';
import { NODE_UID } from './security';
import { TLS_SECRET_NAME } from './routing';
import { ServiceDeployment } from './service-deployment';

const { k8s } = kplus;

/** Port of the thumbnail worker's probes and metrics. */
export const THUMBNAILS_PORT = 3110;
/** Port of the in-cluster object store (dev). */
export const OBJECT_STORE_PORT = 7070;
/** The gateway's service account: the bucket's IAM role trusts it (and the worker and sweep run as it). */
export const GATEWAY_SERVICE_ACCOUNT = 'chat-gateway';
/** Largest upload the edge lets through to the in-cluster store (the gateways' FILE_MAX_BYTES default). */
const MAX_UPLOAD = '25m';

export interface FilesProps {
  readonly config: PlatformConfig;
  readonly files: FilesSettings;
  readonly appConfig: AppConfig;
  /** The gateway's Deployment: it gets the service account and, in-cluster, the store's keys. */
  readonly gateway: kplus.Deployment;
}

/**
 * Everything files need in a cluster: the gateway's ServiceAccount (annotated with the bucket's IAM
 * role in `s3` mode), the S3 settings in the gateway's ConfigMap, the thumbnail worker (a Deployment of
 * the gateway's image, its own consumer group, an HPA on CPU), the orphan sweep CronJob, and in dev the
 * versitygw StatefulSet with its Ingress path. NetworkPolicies add exactly the flows of files to the
 * default-deny of network-policies.ts (policies are additive).
 */
export class Files extends Construct {
  constructor(scope: Construct, id: string, props: FilesProps) {
    super(scope, id);
    const { config, files, appConfig } = props;
    const { namespace } = config;
    const store = files.store;

    const serviceAccount = new kplus.ServiceAccount(this, 'gateway-sa', {
      metadata: {
        name: GATEWAY_SERVICE_ACCOUNT,
        namespace,
        labels: componentLabels('gateway'),
        ...(store.mode === 's3' ? { annotations: { 'eks.amazonaws.com/role-arn': store.gatewayRoleArn } } : {}),
      },
      // IRSA's webhook projects its own token; the API server's token is never needed.
      automountToken: false,
    });
    useServiceAccount(props.gateway);

    const settings: Record<string, string> =
      store.mode === 's3'
        ? { S3_BUCKET: store.bucket, S3_REGION: store.region }
        : {
            S3_BUCKET: store.bucket,
            S3_ENDPOINT: `http://chat-object-store.${namespace}.svc:${OBJECT_STORE_PORT}`,
            S3_FORCE_PATH_STYLE: 'true',
            S3_CREATE_BUCKET: 'true',
            // Browsers reach the bucket on the web host (the Ingress below), so the CSP stays 'self'.
            S3_PUBLIC_ENDPOINT: `https://${config.host}`,
          };
    for (const [key, value] of Object.entries(settings)) appConfig.gateway.addData(key, value);
    const storeKeys: Record<string, kplus.EnvValue> =
      store.mode === 's3'
        ? {}
        : {
            // The in-cluster store's root keys, from chat-secrets like every other secret (dev only).
            S3_ACCESS_KEY_ID: appConfig.secretValue(SECRET_KEYS.objectStoreAccessKey),
            S3_SECRET_ACCESS_KEY: appConfig.secretValue(SECRET_KEYS.objectStoreSecretKey),
          };
    const gatewayContainer = props.gateway.containers[0]!;
    for (const [key, value] of Object.entries(storeKeys)) gatewayContainer.env.addVariable(key, value);

    const thumbnails = new ServiceDeployment(this, 'thumbnails', {
      config,
      component: 'thumbnails',
      image: imageFor(config, 'gateway'),
      command: ['node', 'dist/thumbnail-worker-main.js'],
      port: THUMBNAILS_PORT,
      uid: NODE_UID,
      resources: files.thumbnails.resources,
      envFrom: [kplus.Env.fromConfigMap(appConfig.shared), kplus.Env.fromConfigMap(appConfig.gateway)],
      env: {
        // `env` wins over the gateway ConfigMap's PORT.
        PORT: kplus.EnvValue.fromValue(String(THUMBNAILS_PORT)),
        THUMBNAIL_GROUP_ID: kplus.EnvValue.fromValue(KAFKA_GROUPS.thumbnails),
        JWT_SECRET: appConfig.secretValue(SECRET_KEYS.jwtSecret),
        DATABASE_URL: appConfig.secretValue(SECRET_KEYS.databaseUrl),
        ...(redisUrlIsSecret(config) ? { REDIS_URL: appConfig.secretValue(SECRET_KEYS.redisUrl) } : {}),
        ...storeKeys,
      },
    });
    useServiceAccount(thumbnails.deployment);
    useKafkaUser(this, thumbnails, config, 'thumbnails');
    // Scaled on CPU: decoding images is all it does. In keda mode KEDA owns every HPA (autoscaling.ts).
    if (config.autoscaling === 'keda') {
      ApiObject.of(thumbnails.deployment).addJsonPatch(JsonPatch.remove('/spec/replicas'));
      new ApiObject(this, 'thumbnails-scaler', {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'chat-thumbnails', namespace },
        spec: {
          scaleTargetRef: { name: 'chat-thumbnails' },
          minReplicaCount: files.thumbnails.minReplicas,
          maxReplicaCount: files.thumbnails.maxReplicas,
          triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: String(files.thumbnails.cpuTargetPercent) } }],
        },
      });
    } else {
      new kplus.HorizontalPodAutoscaler(this, 'thumbnails-hpa', {
        metadata: { name: 'chat-thumbnails', namespace },
        target: thumbnails.deployment,
        minReplicas: files.thumbnails.minReplicas,
        maxReplicas: files.thumbnails.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(files.thumbnails.cpuTargetPercent))],
        scaleDown: { stabilizationWindow: Duration.minutes(5) },
      });
    }

    new FileSweepCronJob(this, 'sweep', { config, appConfig, serviceAccount, schedule: files.sweepSchedule, extraEnv: storeKeys });

    if (store.mode === 'in-cluster') new DevObjectStore(this, 'store', config, store);
    this.networkPolicies(config, files);
  }

  /** The flows of files, on top of the default deny: S3, Kafka, Redis and Postgres for the new pods. */
  private networkPolicies(config: PlatformConfig, files: FilesSettings): void {
    const { namespace } = config;
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const pods = (component: Component) => ({ podSelector: { matchLabels: selectorLabels(component) } });
    const prometheus = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': config.monitoringNamespace } } };
    const edge = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': config.routing === 'ingress' ? config.ingressNamespace : config.gatewayApi.gatewayNamespace } } };
    // S3's addresses are not a fixed range (and a VPC gateway endpoint has none a NetworkPolicy can name): HTTPS anywhere.
    const toS3 = files.store.mode === 's3' ? { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [tcp(443)] } : { to: [pods('object-store')], ports: [tcp(OBJECT_STORE_PORT)] };
    const toStore = (component: 'redis' | 'postgres') => {
      const s = config[component];
      return s.mode === 'in-cluster' ? { to: [pods(component)], ports: [tcp(PORTS[component])] } : { to: [{ ipBlock: { cidr: s.cidr } }], ports: [tcp(s.port)] };
    };
    const policy = (name: string, selector: Component, spec: { ingress?: kplus.k8s.NetworkPolicyIngressRule[]; egress?: kplus.k8s.NetworkPolicyEgressRule[] }) =>
      new k8s.KubeNetworkPolicy(this, `policy-${name}`, {
        metadata: { name: `chat-${name}`, namespace },
        spec: {
          podSelector: { matchLabels: selectorLabels(selector) },
          policyTypes: [...(spec.ingress ? ['Ingress'] : []), ...(spec.egress ? ['Egress'] : [])],
          ...spec,
        },
      });

    policy('gateway-files', 'gateway', { egress: [toS3] });
    policy('thumbnails', 'thumbnails', {
      ingress: [{ from: [prometheus], ports: [tcp(THUMBNAILS_PORT)] }],
      egress: [{ to: [{ podSelector: { matchLabels: strimziClusterLabels(KAFKA_CLUSTER_NAME) } }], ports: [tcp(PORTS.kafka)] }, toStore('redis'), toStore('postgres'), toS3],
    });
    policy('file-sweep', 'file-sweep', { ingress: [], egress: [toStore('postgres'), toS3] });
    for (const component of ['redis', 'postgres'] as const) {
      if (config[component].mode !== 'in-cluster') continue;
      const from = component === 'redis' ? [pods('thumbnails')] : [pods('thumbnails'), pods('file-sweep')];
      policy(`${component}-files`, component, { ingress: [{ from, ports: [tcp(PORTS[component])] }] });
    }
    if (files.store.mode === 'in-cluster') {
      policy('object-store', 'object-store', {
        ingress: [{ from: [pods('gateway'), pods('thumbnails'), pods('file-sweep'), edge], ports: [tcp(OBJECT_STORE_PORT)] }],
        egress: [],
      });
    }
  }
}

/**
 * The origin browsers reach the store at when it is not the web origin: an S3 bucket's own
 * (`https://<bucket>.s3.<region>.amazonaws.com`, what the SDK presigns for; `browserOrigin` overrides it,
 * say for a FIPS or dual-stack endpoint). undefined in-cluster: the bucket is served on the web host.
 */
export function browserOriginOf(store: FilesSettings['store']): string | undefined {
  if (store.mode !== 's3') return undefined;
  return store.browserOrigin ?? `https://${store.bucket}.s3.${store.region}.amazonaws.com`;
}

/** Runs the pods of `deployment` as the gateway's service account (the one the bucket's role trusts). */
function useServiceAccount(deployment: kplus.Deployment): void {
  ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/serviceAccountName', GATEWAY_SERVICE_ACCOUNT));
}

/**
 * Dev's object store: versitygw (posix backend, metadata in a sidecar folder: not every volume has
 * extended attributes) on a persistent volume, its root keys from the `chat-object-store` Secret
 * (created by the operator like `chat-secrets`), and an Ingress (or in gateway-api routing an HTTPRoute)
 * that serves its bucket on the web host with Host passed unchanged (the presigned signature covers it).
 */
class DevObjectStore extends Construct {
  constructor(scope: Construct, id: string, config: PlatformConfig, store: Extract<FilesSettings['store'], { mode: 'in-cluster' }>) {
    super(scope, id);
    const { namespace } = config;
    const name = 'chat-object-store';
    const labels = componentLabels('object-store');
    const uid = 10770;
    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: { selector: selectorLabels('object-store'), ports: [{ name: 'http', port: OBJECT_STORE_PORT, targetPort: k8s.IntOrString.fromNumber(OBJECT_STORE_PORT) }] },
    });
    const key = (k: string) => ({ secretKeyRef: { name: SECRET_NAME, key: k } });
    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: { name, namespace, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selectorLabels('object-store') },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'versitygw',
                image: store.image,
                args: ['--port', `:${OBJECT_STORE_PORT}`, '--health', '/health', 'posix', '--sidecar', '/data/meta', '/data/buckets'],
                env: [
                  { name: 'ROOT_ACCESS_KEY', valueFrom: key(SECRET_KEYS.objectStoreAccessKey) },
                  { name: 'ROOT_SECRET_KEY', valueFrom: key(SECRET_KEYS.objectStoreSecretKey) },
                ],
                ports: [{ name: 'http', containerPort: OBJECT_STORE_PORT }],
                readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromNumber(OBJECT_STORE_PORT) }, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromNumber(OBJECT_STORE_PORT) }, initialDelaySeconds: 10, periodSeconds: 10 },
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString('64Mi') },
                  limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi'), 'ephemeral-storage': k8s.Quantity.fromString('256Mi') },
                },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                // The image's entrypoint makes /tmp/vgw; the data (buckets and metadata) is on the volume.
                volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
        volumeClaimTemplates: [
          { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(store.storageSize) } } } },
        ],
      },
    });
    if (config.routing === 'gateway-api') {
      // The same path on the Gateway's HTTPS listener; Gateway API passes Host on unchanged by default,
      // and Envoy streams request bodies (no buffering, no body limit of its own).
      new ApiObject(this, 'route', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'chat-files', namespace },
        spec: {
          parentRefs: [{ name: config.gatewayApi.gatewayName, namespace: config.gatewayApi.gatewayNamespace, sectionName: GATEWAY_LISTENERS.https }],
          hostnames: [config.host],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/${store.bucket}` } }], backendRefs: [{ name, port: OBJECT_STORE_PORT }] }],
        },
      });
      return;
    }
    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: 'chat-files',
        namespace,
        annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': MAX_UPLOAD, 'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off' },
      },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: [config.host], secretName: TLS_SECRET_NAME }],
        rules: [{ host: config.host, http: { paths: [{ path: `/${store.bucket}`, pathType: 'Prefix', backend: { service: { name, port: { number: OBJECT_STORE_PORT } } } }] } }],
      },
    });
  }
}
