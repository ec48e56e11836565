import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { type AppConfig, redisUrlIsSecret, SECRET_KEYS } from './app-config';
import { type AssistantSettings, imageFor, PORTS, type PlatformConfig } from './config';
import { PodDisruptionBudget } from './pod-disruption-budget';
import { NODE_UID } from './security';
import { ServiceDeployment } from './service-deployment';

/** Props of {@link Assistant}. */
export interface AssistantProps {
  readonly config: PlatformConfig;
  readonly settings: AssistantSettings;
  readonly appConfig: AppConfig;
}

/**
 * The room assistant worker: its own consumer group on the messages topic, a Socket.IO client of the
 * gateways, scaled apart from them. The Service exists for /metrics only. ASSISTANT_API_KEY comes from
 * `chat-secrets` when that key exists (OpenAI-compatible endpoints); Ollama needs none.
 */
export class Assistant extends Construct {
  readonly workload: ServiceDeployment;

  constructor(scope: Construct, id: string, props: AssistantProps) {
    super(scope, id);
    const { config, settings, appConfig } = props;
    if (!appConfig.assistant) throw new Error('the assistant needs its ConfigMap: AppConfig was made without config.assistant');
    this.workload = new ServiceDeployment(this, 'workload', {
      config,
      component: 'assistant',
      image: imageFor(config, 'assistant'),
      replicas: settings.replicas,
      port: PORTS.assistant,
      uid: NODE_UID,
      resources: settings.resources,
      envFrom: [kplus.Env.fromConfigMap(appConfig.shared), kplus.Env.fromConfigMap(appConfig.assistant)],
      env: {
        JWT_SECRET: appConfig.secretValue(SECRET_KEYS.jwtSecret),
        SERVICE_TOKEN_SECRET: appConfig.secretValue(SECRET_KEYS.serviceTokenSecret, { optional: true }),
        DATABASE_URL: appConfig.secretValue(SECRET_KEYS.databaseUrl),
        ...(redisUrlIsSecret(config) ? { REDIS_URL: appConfig.secretValue(SECRET_KEYS.redisUrl) } : {}),
        ASSISTANT_API_KEY: appConfig.secretValue(SECRET_KEYS.assistantApiKey, { optional: true }),
      },
      readinessPath: '/readyz',
      livenessPath: '/healthz',
    });
    new PodDisruptionBudget(this, 'pdb', { config, component: 'assistant', maxUnavailable: 1 });
  }
}
