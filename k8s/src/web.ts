import { Construct } from 'constructs';
import { imageFor, PORTS, type PlatformConfig } from './config';
import { PodDisruptionBudget } from './pod-disruption-budget';
import { NGINX_UID } from './security';
import { ServiceDeployment } from './service-deployment';

/** The single-page app, static files served by unprivileged nginx (web/nginx.conf) on 8080. */
export class Web extends Construct {
  readonly workload: ServiceDeployment;

  constructor(scope: Construct, id: string, config: PlatformConfig) {
    super(scope, id);
    this.workload = new ServiceDeployment(this, 'workload', {
      config,
      component: 'web',
      image: imageFor(config, 'web'),
      replicas: config.web.replicas,
      port: PORTS.web,
      uid: NGINX_UID,
      resources: config.web.resources,
      // Ready: nginx serves /healthz. Alive: it accepts connections (a distinct check, so a slow
      // answer takes the pod out of the Service before it is ever restarted).
      readinessPath: '/healthz',
      livenessOverTcp: true,
    });
    if (config.web.replicas > 1) new PodDisruptionBudget(this, 'pdb', { config, component: 'web', maxUnavailable: 1 });
  }
}
