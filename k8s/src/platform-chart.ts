import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { AlertRules } from './alert-rules';
import { AppConfig } from './app-config';
import { Dashboards } from './dashboards';
import { Autoscaling } from './autoscaling';
import { Assistant } from './assistant';
import type { PlatformConfig } from './config';
import { DevPostgres, DevRedis, ExternalStoreService } from './datastores';
import { Files } from './files';
import { Gateway } from './gateway';
import { KafkaCluster } from './kafka-cluster';
import { KafkaUsers } from './kafka-users';
import { MigrationJob } from './migration-job';
import { NetworkPolicies } from './network-policies';
import { Persister } from './persister';
import { Routing } from './routing';
import { ServiceMonitor } from './service-monitor';
import { Web } from './web';

/**
 * Every manifest of the platform for one environment: namespace, configuration, Kafka (Strimzi),
 * datastores, the three services, the migration Job, routing, NetworkPolicies and ServiceMonitors.
 */
export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, readonly config: PlatformConfig) {
    super(scope, id, { disableResourceNameHashes: true });

    new kplus.k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: config.namespace,
        // The pods are written for the "restricted" Pod Security Standard: enforce it.
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    });
    const appConfig = new AppConfig(this, 'config', config);
    new KafkaCluster(this, 'kafka', config);
    new KafkaUsers(this, 'kafka-users', config);

    if (config.redis.mode === 'in-cluster') new DevRedis(this, 'redis', { ...config, redis: config.redis });
    else new ExternalStoreService(this, 'redis', { config, component: 'redis', endpoint: config.redis });
    if (config.postgres.mode === 'in-cluster') new DevPostgres(this, 'postgres', { ...config, postgres: config.postgres });
    else new ExternalStoreService(this, 'postgres', { config, component: 'postgres', endpoint: config.postgres });

    const gateway = new Gateway(this, 'gateway', { config, appConfig });
    const persister = new Persister(this, 'persister', { config, appConfig });
    if (config.files) new Files(this, 'files', { config, files: config.files, appConfig, gateway: gateway.workload.deployment });
    if (config.assistant) new Assistant(this, 'assistant', { config, settings: config.assistant, appConfig });
    new Web(this, 'web', config);
    new MigrationJob(this, 'migration', { config, appConfig });
    if (config.autoscaling === 'keda') {
      new Autoscaling(this, 'autoscaling', config, [gateway.workload.deployment, persister.workload.deployment].map((d) => ApiObject.of(d)));
    }
    new Routing(this, 'routing', config);
    new NetworkPolicies(this, 'network-policies', config);
    if (config.serviceMonitors) {
      new AlertRules(this, 'alert-rules', config);
      new Dashboards(this, 'dashboards', config);
      new ServiceMonitor(this, 'gateway-monitor', { config, component: 'gateway' });
      new ServiceMonitor(this, 'persister-monitor', { config, component: 'persister' });
      if (config.assistant) new ServiceMonitor(this, 'assistant-monitor', { config, component: 'assistant' });
    }
  }
}
