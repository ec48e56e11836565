import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { KAFKA_CLUSTER_NAME, kafkaClientPort, PORTS, type PlatformConfig } from './config';
import { type Component, selectorLabels, strimziClusterLabels } from './labels';

const { k8s } = kplus;
type Peer = kplus.k8s.NetworkPolicyPeer;
type Port = kplus.k8s.NetworkPolicyPort;

const tcp = (port: number): Port => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
const pods = (component: Component): Peer => ({ podSelector: { matchLabels: selectorLabels(component) } });
const namespaceNamed = (name: string): Peer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const kafkaPods: Peer = { podSelector: { matchLabels: strimziClusterLabels(KAFKA_CLUSTER_NAME) } };

/** Label and port of cert-manager's ACME HTTP-01 solver pods. */
export const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
export const ACME_SOLVER_PORT = 8089;

/**
 * Default deny for every pod of the namespace, then exactly the flows of the data-flow diagram:
 * ingress controller -> gateway, web; gateway -> Redis, Kafka, Postgres; persister -> Kafka, Postgres;
 * migration -> Postgres; assistant (when deployed) -> Kafka, Redis, Postgres, gateway, the model endpoint;
 * Prometheus -> /metrics; every pod -> cluster DNS; the edge -> cert-manager's HTTP-01 solver (prod
 * with Ingress). Kafka's ingress comes from Strimzi (the listener's networkPolicyPeers, and the
 * Cluster Operator's, Cruise Control's and the exporter's ports); the egress of its pods (brokers,
 * controllers, entity operator) to each other and to the API server is opened here.
 */
export class NetworkPolicies extends Construct {
  private readonly config: PlatformConfig;

  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    this.config = config;
    const { namespace } = config;

    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny-all', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'dns', {
      metadata: { name: 'allow-dns', namespace },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)],
          },
        ],
      },
    });

    const edge = config.routing === 'ingress' ? namespaceNamed(config.ingressNamespace) : namespaceNamed(config.gatewayApi.gatewayNamespace);
    const prometheus = namespaceNamed(config.monitoringNamespace);

    const { assistant } = config;
    // The assistant posts its replies through the gateways, like any client but from inside.
    const assistantPeers = assistant ? [pods('assistant')] : [];
    this.policy('gateway', {
      ingress: [{ from: [edge, prometheus, ...assistantPeers], ports: [tcp(PORTS.gateway)] }],
      egress: [this.toKafka(), this.toStore('redis'), this.toStore('postgres')],
    });
    this.policy('persister', {
      ingress: [{ from: [prometheus], ports: [tcp(PORTS.persister)] }],
      egress: [this.toKafka(), this.toStore('postgres')],
    });
    if (assistant) {
      this.policy('assistant', {
        ingress: [{ from: [prometheus], ports: [tcp(PORTS.assistant)] }],
        egress: [
          this.toKafka(),
          this.toStore('redis'),
          this.toStore('postgres'),
          { to: [pods('gateway')], ports: [tcp(PORTS.gateway)] },
          { to: [{ ipBlock: { cidr: assistant.modelEgress.cidr } }], ports: [tcp(assistant.modelEgress.port)] },
        ],
      });
    }
    this.policy('web', { ingress: [{ from: [edge], ports: [tcp(PORTS.web)] }], egress: [] });
    if (config.tls.issuer === 'letsencrypt' && config.routing === 'ingress') {
      // cert-manager's HTTP-01 solver pods (for the Ingress's certificate, in this namespace) answer
      // Let's Encrypt through the edge; under default-deny the challenge would otherwise time out.
      new k8s.KubeNetworkPolicy(this, 'acme-solver', {
        metadata: { name: 'chat-acme-http01-solver', namespace },
        spec: {
          podSelector: { matchLabels: { [ACME_SOLVER_LABEL]: 'true' } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [edge], ports: [tcp(ACME_SOLVER_PORT)] }],
          egress: [],
        },
      });
    }
    this.policy('migration', { ingress: [], egress: [this.toStore('postgres')] });
    if (config.redis.mode === 'in-cluster') {
      this.policy('redis', { ingress: [{ from: [pods('gateway'), ...assistantPeers], ports: [tcp(PORTS.redis)] }], egress: [] });
    }
    if (config.postgres.mode === 'in-cluster') {
      this.policy('postgres', {
        ingress: [{ from: [pods('gateway'), pods('persister'), pods('migration'), ...assistantPeers], ports: [tcp(PORTS.postgres)] }],
        egress: [],
      });
    }

    // Brokers and controllers talk to each other, the entity operator to them and to the API server
    // (its address is outside any pod selector, hence the port-only rule).
    new k8s.KubeNetworkPolicy(this, 'kafka', {
      metadata: { name: 'chat-kafka-egress', namespace },
      spec: {
        podSelector: { matchLabels: strimziClusterLabels(KAFKA_CLUSTER_NAME) },
        policyTypes: ['Egress'],
        egress: [{ to: [kafkaPods] }, { ports: [tcp(443), tcp(6443)] }],
      },
    });
  }

  private policy(component: Component, rules: { ingress: kplus.k8s.NetworkPolicyIngressRule[]; egress: kplus.k8s.NetworkPolicyEgressRule[] }): void {
    new k8s.KubeNetworkPolicy(this, component, {
      metadata: { name: `chat-${component}`, namespace: this.config.namespace },
      spec: {
        podSelector: { matchLabels: selectorLabels(component) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: rules.ingress,
        egress: rules.egress,
      },
    });
  }

  private toKafka(): kplus.k8s.NetworkPolicyEgressRule {
    return { to: [kafkaPods], ports: [tcp(kafkaClientPort(this.config))] };
  }

  /** Egress to Redis or Postgres: its pods in dev, its address range in prod. */
  private toStore(component: 'redis' | 'postgres'): kplus.k8s.NetworkPolicyEgressRule {
    const store = this.config[component];
    return store.mode === 'in-cluster'
      ? { to: [pods(component)], ports: [tcp(PORTS[component])] }
      : { to: [{ ipBlock: { cidr: store.cidr } }], ports: [tcp(store.port)] };
  }
}
