import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { type AppConfig, GATEWAY_SHUTDOWN_GRACE_MS, redisUrlIsSecret, SECRET_KEYS } from './app-config';
import { imageFor, PORTS, type PlatformConfig } from './config';
import { PodDisruptionBudget } from './pod-disruption-budget';
import { NODE_UID } from './security';
import { ServiceDeployment } from './service-deployment';

/**
 * Seconds the preStop hook holds a terminating gateway before SIGTERM: long enough for the
 * EndpointSlice change to reach ingress-nginx, so no new handshake lands on a pod about to drain.
 */
export const GATEWAY_PRESTOP_SECONDS = 5;

/**
 * Time between the start of termination and SIGKILL: the preStop wait, the socket drain
 * (SHUTDOWN_GRACE_MS), and a margin for flushing the Kafka producer and closing connections.
 */
export const GATEWAY_TERMINATION_GRACE_SECONDS = GATEWAY_PRESTOP_SECONDS + GATEWAY_SHUTDOWN_GRACE_MS / 1000 + 30;

/** Props of {@link Gateway}. */
export interface GatewayProps {
  readonly config: PlatformConfig;
  readonly appConfig: AppConfig;
}

/**
 * The Socket.IO + REST gateway: Deployment (probes on /readyz and /healthz, preStop and a grace
 * period that covers the drain), Service, HorizontalPodAutoscaler on CPU, PodDisruptionBudget.
 */
export class Gateway extends Construct {
  readonly workload: ServiceDeployment;

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    const { config, appConfig } = props;
    this.workload = new ServiceDeployment(this, 'workload', {
      config,
      component: 'gateway',
      image: imageFor(config, 'gateway'),
      // The HPA owns the replica count (from minReplicas); a fixed one would fight it on every apply.
      port: PORTS.gateway,
      uid: NODE_UID,
      resources: config.gateway.resources,
      envFrom: [kplus.Env.fromConfigMap(appConfig.shared), kplus.Env.fromConfigMap(appConfig.gateway)],
      env: {
        GATEWAY_ID: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
        JWT_SECRET: appConfig.secretValue(SECRET_KEYS.jwtSecret),
        // Optional: without it service tokens are signed with JWT_SECRET (their own issuer and audience still).
        SERVICE_TOKEN_SECRET: appConfig.secretValue(SECRET_KEYS.serviceTokenSecret, { optional: true }),
        DATABASE_URL: appConfig.secretValue(SECRET_KEYS.databaseUrl),
        ...(redisUrlIsSecret(config) ? { REDIS_URL: appConfig.secretValue(SECRET_KEYS.redisUrl) } : {}),
      },
      readinessPath: '/readyz',
      livenessPath: '/healthz',
      preStopSleepSeconds: GATEWAY_PRESTOP_SECONDS,
      terminationGrace: Duration.seconds(GATEWAY_TERMINATION_GRACE_SECONDS),
    });

    // In keda mode the ScaledObject (autoscaling.ts) owns the HPA.
    if (config.autoscaling === 'hpa') new kplus.HorizontalPodAutoscaler(this, 'hpa', {
      metadata: { name: 'chat-gateway', namespace: config.namespace },
      target: this.workload.deployment,
      minReplicas: config.gateway.minReplicas,
      maxReplicas: config.gateway.maxReplicas,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(config.gateway.cpuTargetPercent))],
      // Scale down slowly: every removed gateway moves its sockets, which reconnect elsewhere.
      scaleDown: {
        stabilizationWindow: Duration.minutes(5),
        policies: [{ replicas: kplus.Replicas.absolute(1), duration: Duration.minutes(1) }],
      },
    });

    new PodDisruptionBudget(this, 'pdb', { config, component: 'gateway', maxUnavailable: 1 });
  }
}
