import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { KAFKA_TOPICS, type PlatformConfig } from './config';

/** Prometheus of kube-prometheus-stack (gitops/), which KEDA's Prometheus triggers query. */
export const PROMETHEUS_URL = 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090';

/**
 * KEDA ScaledObjects (KEDA makes and owns their HorizontalPodAutoscalers; metrics-server serves CPU):
 * the gateways on what bounds them, CPU and open sockets per pod (`chat_gateway_connections` through
 * KEDA's Prometheus scaler: KEDA, not prometheus-adapter, since KEDA also scales the persister); the
 * persister on its consumer lag (`persister_consumer_lag`, the external metric its pods export),
 * never past the partitions of the messages topic.
 */
export class Autoscaling extends Construct {
  /** `targets`: the Deployments KEDA scales; their replica count is left to KEDA's HPA. */
  constructor(scope: Construct, id: string, config: PlatformConfig, targets: readonly ApiObject[]) {
    super(scope, id);
    // cdk8s-plus writes 2 replicas where no HPA construct is attached; a fixed count would fight KEDA.
    for (const target of targets) target.addJsonPatch(JsonPatch.remove('/spec/replicas'));
    const { namespace, gateway, persister, kafka } = config;
    const scaleDown = (pods: number) => ({
      horizontalPodAutoscalerConfig: {
        // Slowly: every removed gateway moves its sockets (they reconnect and recover elsewhere).
        behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: pods, periodSeconds: 60 }] } },
      },
    });
    // One shape for both: KEDA's HPA bounds, the slow scale-down, and the triggers.
    const scaledObject = (component: 'gateway' | 'persister', min: number, max: number, triggers: object[]) =>
      new ApiObject(this, component, {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: `chat-${component}`, namespace },
        spec: { scaleTargetRef: { name: `chat-${component}` }, minReplicaCount: min, maxReplicaCount: max, advanced: scaleDown(1), triggers },
      });
    const prometheus = (query: string, threshold: number) => ({
      type: 'prometheus',
      metricType: 'AverageValue',
      metadata: { serverAddress: PROMETHEUS_URL, query, threshold: String(threshold) },
    });
    scaledObject('gateway', gateway.minReplicas, gateway.maxReplicas, [
      { type: 'cpu', metricType: 'Utilization', metadata: { value: String(gateway.cpuTargetPercent) } },
      prometheus(`sum(chat_gateway_connections{namespace="${namespace}"})`, gateway.socketsPerPod),
    ]);
    // A consumer group gives a partition to one member only: more than the partitions would sit idle.
    scaledObject('persister', persister.replicas, kafka.messagesPartitions, [
      prometheus(`sum(persister_consumer_lag{namespace="${namespace}",topic="${KAFKA_TOPICS.messages}"})`, persister.lagPerReplica),
    ]);
  }
}
