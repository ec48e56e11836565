import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KAFKA_CLUSTER_NAME, KAFKA_TOPICS, kafkaClientPort, type PlatformConfig } from './config';
import { selectorLabels, strimziClusterLabels } from './labels';

/** API version of the Strimzi custom resources (Strimzi 1.x serves kafka.strimzi.io/v1 only). */
export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1';

/** Name of the KRaft node pool whose nodes are both controllers and brokers. */
export const KAFKA_NODE_POOL_NAME = 'dual-role';

const DAY_MS = 24 * 60 * 60 * 1000;

/** ConfigMap and key of the brokers' JMX Prometheus exporter rules. */
const KAFKA_METRICS_CONFIG = 'chat-kafka-metrics';
const KAFKA_METRICS_KEY = 'kafka-metrics-config.yml';

/** JMX exporter rules: the broker, replica manager, controller and network metrics the dashboards and alerts read. */
const JMX_EXPORTER_RULES = `lowercaseOutputName: true
rules:
  - pattern: kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value
    name: kafka_server_$1_$2
    type: GAUGE
    labels: { clientId: "$3", topic: "$4", partition: "$5" }
  - pattern: kafka.server<type=(.+), name=(.+)PerSec\\w*, topic=(.+)><>Count
    name: kafka_server_$1_$2_total
    type: COUNTER
    labels: { topic: "$3" }
  - pattern: kafka.server<type=(.+), name=(.+)PerSec\\w*><>Count
    name: kafka_server_$1_$2_total
    type: COUNTER
  - pattern: kafka.server<type=(.+), name=(.+)><>Value
    name: kafka_server_$1_$2
    type: GAUGE
  - pattern: kafka.controller<type=(.+), name=(.+)><>Value
    name: kafka_controller_$1_$2
    type: GAUGE
  - pattern: kafka.network<type=(.+), name=(.+), request=(.+)><>(Count|99thPercentile)
    name: kafka_network_$1_$2_$4
    labels: { request: "$3" }
`;

/**
 * The platform's Kafka, managed by the Strimzi operator: a `Kafka` in KRaft mode at the platform's
 * Kafka version, a dual-role `KafkaNodePool`, and the two topics (`KafkaTopic`, owned by the
 * Topic Operator, so the services never create them in Kubernetes).
 */
export class KafkaCluster extends Construct {
  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    const { kafka, namespace } = config;
    const clusterLabels = strimziClusterLabels(KAFKA_CLUSTER_NAME);

    new ApiObject(this, 'node-pool', {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaNodePool',
      metadata: { name: KAFKA_NODE_POOL_NAME, namespace, labels: clusterLabels },
      spec: {
        replicas: kafka.nodes,
        roles: ['controller', 'broker'],
        storage:
          kafka.storageSize === undefined
            ? { type: 'ephemeral' }
            : {
                type: 'jbod',
                volumes: [{ id: 0, type: 'persistent-claim', size: kafka.storageSize, deleteClaim: false, kraftMetadata: 'shared' }],
              },
        resources: {
          requests: { cpu: kafka.resources.cpuRequest, memory: kafka.resources.memoryRequest },
          limits: { cpu: kafka.resources.cpuLimit, memory: kafka.resources.memoryLimit },
        },
      },
    });

    new ApiObject(this, 'kafka', {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'Kafka',
      metadata: {
        name: KAFKA_CLUSTER_NAME,
        namespace,
        // Ignored by operators where KRaft and node pools are the only mode; required by older 0.4x ones.
        annotations: { 'strimzi.io/node-pools': 'enabled', 'strimzi.io/kraft': 'enabled' },
      },
      spec: {
        kafka: {
          version: kafka.version,
          // The clients' one listener: plaintext in dev; TLS with SCRAM-SHA-512 where the services have KafkaUsers.
          listeners: [
            {
              ...(kafka.authentication
                ? { name: 'tls', port: kafkaClientPort(config), type: 'internal', tls: true, authentication: { type: kafka.authentication } }
                : { name: 'plain', port: kafkaClientPort(config), type: 'internal', tls: false }),
              // Strimzi turns these into the NetworkPolicy of the listener: only the services connect.
              networkPolicyPeers: [
                { podSelector: { matchLabels: selectorLabels('gateway') } },
                { podSelector: { matchLabels: selectorLabels('persister') } },
                ...(config.assistant ? [{ podSelector: { matchLabels: selectorLabels('assistant') } }] : []),
                ...(config.files ? [{ podSelector: { matchLabels: selectorLabels('thumbnails') } }] : []),
              ],
            },
          ],
          // ACLs of the KafkaUsers (Strimzi's own components are super users of the simple authorizer).
          ...(kafka.authentication ? { authorization: { type: 'simple' } } : {}),
          ...(config.spreadOverZones ? { rack: { topologyKey: 'topology.kubernetes.io/zone' } } : {}),
          ...(config.serviceMonitors
            ? { metricsConfig: { type: 'jmxPrometheusExporter', valueFrom: { configMapKeyRef: { name: KAFKA_METRICS_CONFIG, key: KAFKA_METRICS_KEY } } } }
            : {}),
          config: {
            'auto.create.topics.enable': false,
            'default.replication.factor': kafka.replicationFactor,
            'min.insync.replicas': kafka.minInSyncReplicas,
            'offsets.topic.replication.factor': kafka.replicationFactor,
            'transaction.state.log.replication.factor': kafka.replicationFactor,
            'transaction.state.log.min.isr': kafka.minInSyncReplicas,
          },
        },
        // The User Operator turns each KafkaUser into SCRAM credentials, ACLs and a Secret.
        entityOperator: { topicOperator: {}, ...(kafka.authentication ? { userOperator: {} } : {}) },
        // Consumer-group lag and topic offsets as Prometheus metrics (dashboards, alerts).
        kafkaExporter: { topicRegex: 'chat\\..*', groupRegex: '.*' },
        // Partition rebalancing after adding brokers (KafkaRebalance resources drive it).
        ...(kafka.nodes > 1 ? { cruiseControl: {} } : {}),
      },
    });

    if (config.serviceMonitors) {
      // Brokers' JMX metrics (the exporter Strimzi runs in each pod, port tcp-prometheus) and the exporter's.
      new ApiObject(this, 'metrics-config', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: KAFKA_METRICS_CONFIG, namespace, labels: clusterLabels },
        data: { [KAFKA_METRICS_KEY]: JMX_EXPORTER_RULES },
      });
      new ApiObject(this, 'pod-monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: 'chat-kafka', namespace, labels: clusterLabels },
        spec: {
          selector: { matchExpressions: [{ key: 'strimzi.io/kind', operator: 'In', values: ['Kafka', 'KafkaExporter', 'CruiseControl'] }] },
          podMetricsEndpoints: [{ port: 'tcp-prometheus', path: '/metrics', interval: '30s' }],
        },
      });
    }

    this.topic('messages-topic', KAFKA_TOPICS.messages, kafka.messagesPartitions, 7 * DAY_MS, config);
    // Dead letters wait for a person to look at them: kept much longer than live traffic.
    this.topic('dlq-topic', KAFKA_TOPICS.deadLetter, kafka.dlqPartitions, 30 * DAY_MS, config);
  }

  private topic(id: string, topicName: string, partitions: number, retentionMs: number, config: PlatformConfig): void {
    new ApiObject(this, id, {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaTopic',
      // Topic names contain dots; the resource name is its DNS-label form, the real name is topicName.
      metadata: { name: topicName.replace(/\./g, '-'), namespace: config.namespace, labels: strimziClusterLabels(KAFKA_CLUSTER_NAME) },
      spec: {
        topicName,
        partitions,
        replicas: config.kafka.replicationFactor,
        config: { 'retention.ms': retentionMs, 'min.insync.replicas': config.kafka.minInSyncReplicas, 'cleanup.policy': 'delete' },
      },
    });
  }
}
