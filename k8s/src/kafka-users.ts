import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { KAFKA_CLUSTER_NAME, KAFKA_TOPICS, type PlatformConfig } from './config';
import { strimziClusterLabels } from './labels';
import type { ServiceDeployment } from './service-deployment';
import { STRIMZI_API_VERSION } from './kafka-cluster';

/** The consumer groups of the services (their KAFKA_GROUP_ID / ASSISTANT_GROUP_ID / THUMBNAIL_GROUP_ID settings). */
export const KAFKA_GROUPS = { persister: 'chat-persister', assistant: 'chat-assistant', thumbnails: 'chat-thumbnails' } as const;

/** A service that talks to Kafka, and so has a KafkaUser of its own. */
export type KafkaClientComponent = 'gateway' | 'persister' | 'assistant' | 'thumbnails';

/** One rule of a Strimzi `simple` authorization: operations allowed on one literal resource. */
export interface KafkaAcl {
  readonly resource: { readonly type: 'topic' | 'group'; readonly name: string; readonly patternType: 'literal' };
  readonly operations: readonly ('Read' | 'Write' | 'Describe')[];
}

const topic = (name: string, operations: KafkaAcl['operations']): KafkaAcl => ({ resource: { type: 'topic', name, patternType: 'literal' }, operations });
const group = (name: string): KafkaAcl => ({ resource: { type: 'group', name, patternType: 'literal' }, operations: ['Read'] });

/**
 * What each service may do, and nothing more: the gateway produces messages; the persister consumes
 * them in its group and produces dead letters; the assistant and the thumbnail worker consume them in
 * their own groups. Write
 * covers the idempotent producers' InitProducerId (KIP-679); no service creates topics here (Strimzi's
 * KafkaTopics own them), so none has Create.
 */
export const KAFKA_ACLS: Readonly<Record<KafkaClientComponent, readonly KafkaAcl[]>> = {
  gateway: [topic(KAFKA_TOPICS.messages, ['Write', 'Describe'])],
  persister: [topic(KAFKA_TOPICS.messages, ['Read', 'Describe']), group(KAFKA_GROUPS.persister), topic(KAFKA_TOPICS.deadLetter, ['Write', 'Describe'])],
  assistant: [topic(KAFKA_TOPICS.messages, ['Read', 'Describe']), group(KAFKA_GROUPS.assistant)],
  thumbnails: [topic(KAFKA_TOPICS.messages, ['Read', 'Describe']), group(KAFKA_GROUPS.thumbnails)],
};

/** The KafkaUser (and so the SCRAM user name and its Secret's name) of a service. */
export const kafkaUserName = (component: KafkaClientComponent): string => `chat-${component}`;

/** Where the cluster CA (Strimzi's `<cluster>-cluster-ca-cert` Secret) is mounted in the services' pods. */
export const KAFKA_CA_DIR = '/etc/kafka-ca';

/** The services that talk to Kafka in this environment. */
export const kafkaClients = (config: PlatformConfig): KafkaClientComponent[] => [
  'gateway',
  'persister',
  ...(config.assistant ? (['assistant'] as const) : []),
  ...(config.files ? (['thumbnails'] as const) : []),
];

/**
 * One Strimzi `KafkaUser` per service (SCRAM-SHA-512; the User Operator writes its password into a
 * Secret of the same name) with the ACLs of {@link KAFKA_ACLS}. Only where the brokers authenticate.
 */
export class KafkaUsers extends Construct {
  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    if (config.kafka.authentication !== 'scram-sha-512') return;
    for (const component of kafkaClients(config)) {
      new ApiObject(this, component, {
        apiVersion: STRIMZI_API_VERSION,
        kind: 'KafkaUser',
        metadata: { name: kafkaUserName(component), namespace: config.namespace, labels: strimziClusterLabels(KAFKA_CLUSTER_NAME) },
        spec: {
          authentication: { type: 'scram-sha-512' },
          authorization: { type: 'simple', acls: KAFKA_ACLS[component].map((acl) => ({ ...acl, operations: [...acl.operations] })) },
        },
      });
    }
  }
}

/**
 * Connects a service's container to Kafka as its KafkaUser: the SCRAM and TLS settings of the service
 * kit (KAFKA_SASL_*, KAFKA_TLS*), the password from the User Operator's Secret, and the cluster CA
 * mounted read-only. Nothing where the brokers take plaintext (dev).
 */
export function useKafkaUser(scope: Construct, workload: ServiceDeployment, config: PlatformConfig, component: KafkaClientComponent): void {
  if (config.kafka.authentication !== 'scram-sha-512') return;
  const container = workload.deployment.containers[0]!;
  const name = kafkaUserName(component);
  const userSecret = kplus.Secret.fromSecretName(scope, 'kafka-user-secret', name);
  container.env.addVariable('KAFKA_SASL_MECHANISM', kplus.EnvValue.fromValue('scram-sha-512'));
  container.env.addVariable('KAFKA_SASL_USERNAME', kplus.EnvValue.fromValue(name));
  container.env.addVariable('KAFKA_SASL_PASSWORD', kplus.EnvValue.fromSecretValue({ secret: userSecret, key: 'password' }));
  container.env.addVariable('KAFKA_TLS', kplus.EnvValue.fromValue('true'));
  container.env.addVariable('KAFKA_TLS_CA_FILE', kplus.EnvValue.fromValue(`${KAFKA_CA_DIR}/ca.crt`));
  const caSecret = kplus.Secret.fromSecretName(scope, 'kafka-ca-secret', `${KAFKA_CLUSTER_NAME}-cluster-ca-cert`);
  container.mount(KAFKA_CA_DIR, kplus.Volume.fromSecret(scope, 'kafka-ca', caSecret, { name: 'kafka-ca', items: { 'ca.crt': { path: 'ca.crt' } } }), { readOnly: true });
}
