import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { imageFor, PORTS, type PlatformConfig } from './config';
import { browserOriginOf } from './files';
import { componentLabels } from './labels';
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
    this.allowObjectStoreOrigin(config);
  }

  /**
   * With S3 on AWS, browsers PUT and GET files at the bucket's own origin: web/nginx.conf puts the origin
   * of /etc/nginx/chat/*.conf in its CSP (connect-src, img-src), so that file comes from a ConfigMap.
   */
  private allowObjectStoreOrigin(config: PlatformConfig): void {
    const origin = config.files && browserOriginOf(config.files.store);
    if (!origin) return;
    const settings = new kplus.ConfigMap(this, 'object-store', {
      metadata: { name: 'chat-web-object-store', namespace: config.namespace, labels: componentLabels('web') },
      data: { 'object-store.conf': `set $object_store_origin "${origin}";\n` },
    });
    this.workload.deployment.containers[0]!.mount('/etc/nginx/chat', kplus.Volume.fromConfigMap(this, 'object-store-volume', settings), { readOnly: true });
  }
}
