import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { SECRET_KEYS } from './app-config';
import { type ExternalEndpoint, PORTS, type PlatformConfig, SECRET_NAME } from './config';
import { type Component, componentLabels, selectorLabels } from './labels';

const { k8s } = kplus;

/** Props of {@link InClusterStore}. */
interface InClusterStoreProps {
  readonly config: PlatformConfig;
  readonly component: Extract<Component, 'redis' | 'postgres'>;
  readonly image: string;
  readonly port: number;
  readonly uid: number;
  readonly dataPath: string;
  readonly storageSize: string;
  readonly args?: string[];
  readonly env?: kplus.k8s.EnvVar[];
  /** Command whose success means the store accepts connections. */
  readonly readyCommand: string[];
  /** Writable paths besides the data volume (the root filesystem is read-only). */
  readonly scratchPaths: string[];
}

/**
 * A single-replica StatefulSet with a persistent volume and a Service named `chat-<component>`:
 * Redis and Postgres for dev clusters (prod uses managed services, see {@link ExternalStoreService}).
 */
class InClusterStore extends Construct {
  constructor(scope: Construct, id: string, props: InClusterStoreProps) {
    super(scope, id);
    const name = `chat-${props.component}`;
    const labels = componentLabels(props.component);
    const { namespace } = props.config;
    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: { selector: selectorLabels(props.component), ports: [{ name: props.component, port: props.port, targetPort: k8s.IntOrString.fromNumber(props.port) }] },
    });
    const scratch = props.scratchPaths.map((mountPath, index) => ({ name: `scratch-${index}`, mountPath }));
    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: { name, namespace, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selectorLabels(props.component) },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: props.uid,
              runAsGroup: props.uid,
              fsGroup: props.uid,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: props.component,
                image: props.image,
                args: props.args,
                env: props.env,
                ports: [{ name: props.component, containerPort: props.port }],
                readinessProbe: { exec: { command: props.readyCommand }, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(props.port) }, initialDelaySeconds: 15, periodSeconds: 10 },
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi'), 'ephemeral-storage': k8s.Quantity.fromString('64Mi') },
                  limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('512Mi'), 'ephemeral-storage': k8s.Quantity.fromString('256Mi') },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [{ name: 'data', mountPath: props.dataPath }, ...scratch],
              },
            ],
            volumes: scratch.map(({ name: volumeName }) => ({ name: volumeName, emptyDir: {} })),
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize) } } },
          },
        ],
      },
    });
  }
}

/**
 * Dev Redis (the Valkey image, see config.ts): append-only file on a volume, so Socket.IO's recovery streams survive a Redis restart
 * (the gateways need 2 minutes of history, not durability beyond that).
 */
export class DevRedis extends InClusterStore {
  constructor(scope: Construct, id: string, config: PlatformConfig & { redis: { mode: 'in-cluster' } }) {
    super(scope, id, {
      config,
      component: 'redis',
      image: config.redis.image,
      port: PORTS.redis,
      // At least 10000 (never a node's user); both images run as an arbitrary uid with an fsGroup-owned volume.
      uid: 10999,
      dataPath: '/data',
      storageSize: '1Gi',
      args: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
      readyCommand: ['valkey-cli', 'ping'],
      scratchPaths: ['/tmp'],
    });
  }
}

/** Dev Postgres: user and database `chat`, password from `chat-secrets` (POSTGRES_PASSWORD). */
export class DevPostgres extends InClusterStore {
  constructor(scope: Construct, id: string, config: PlatformConfig & { postgres: { mode: 'in-cluster' } }) {
    super(scope, id, {
      config,
      component: 'postgres',
      image: config.postgres.image,
      port: PORTS.postgres,
      uid: 10070,
      dataPath: '/var/lib/postgresql/data',
      storageSize: config.postgres.storageSize,
      env: [
        { name: 'POSTGRES_USER', value: 'chat' },
        { name: 'POSTGRES_DB', value: 'chat' },
        // A subdirectory: the volume's root holds lost+found on some storage classes, which initdb refuses.
        { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
        { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: SECRET_NAME, key: SECRET_KEYS.postgresPassword } } },
      ],
      readyCommand: ['pg_isready', '-U', 'chat', '-d', 'chat'],
      scratchPaths: ['/tmp', '/var/run/postgresql'],
    });
  }
}

/**
 * An ExternalName Service `chat-<component>` in front of a managed datastore, so that the
 * connection strings name the same host in every environment.
 */
export class ExternalStoreService extends Construct {
  constructor(scope: Construct, id: string, props: { config: PlatformConfig; component: 'redis' | 'postgres'; endpoint: ExternalEndpoint }) {
    super(scope, id);
    new k8s.KubeService(this, 'service', {
      metadata: { name: `chat-${props.component}`, namespace: props.config.namespace, labels: componentLabels(props.component) },
      spec: { type: 'ExternalName', externalName: props.endpoint.host, ports: [{ name: props.component, port: props.endpoint.port }] },
    });
  }
}
