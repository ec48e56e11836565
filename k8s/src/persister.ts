import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { type AppConfig, SECRET_KEYS } from './app-config';
import { imageFor, PORTS, type PlatformConfig } from './config';
import { useKafkaUser } from './kafka-users';
import { PodDisruptionBudget } from './pod-disruption-budget';
import { NODE_UID } from './security';
import { ServiceDeployment } from './service-deployment';

/** Props of {@link Persister}. */
export interface PersisterProps {
  readonly config: PlatformConfig;
  readonly appConfig: AppConfig;
}

/**
 * The Kafka consumer group that writes messages to Postgres. Its replicas never exceed the
 * messages topic's partitions (validated in config.ts). The Service exists for /metrics only.
 */
export class Persister extends Construct {
  readonly workload: ServiceDeployment;

  constructor(scope: Construct, id: string, props: PersisterProps) {
    super(scope, id);
    const { config, appConfig } = props;
    this.workload = new ServiceDeployment(this, 'workload', {
      config,
      component: 'persister',
      image: imageFor(config, 'persister'),
      command: ['node', 'persister/dist/main.js'],
      // In keda mode KEDA owns the count (autoscaling.ts removes this one).
      replicas: config.persister.replicas,
      port: PORTS.persister,
      uid: NODE_UID,
      resources: config.persister.resources,
      envFrom: [kplus.Env.fromConfigMap(appConfig.shared), kplus.Env.fromConfigMap(appConfig.persister)],
      env: { DATABASE_URL: appConfig.secretValue(SECRET_KEYS.databaseUrl) },
    });
    useKafkaUser(this, this.workload, config, 'persister');
    new PodDisruptionBudget(this, 'pdb', { config, component: 'persister', maxUnavailable: 1 });
  }
}
