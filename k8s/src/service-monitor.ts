import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { PlatformConfig } from './config';
import { type Component, componentLabels, selectorLabels } from './labels';

/** A prometheus-operator ServiceMonitor scraping /metrics on the `http` port of `chat-<component>`. */
export class ServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: { readonly config: PlatformConfig; readonly component: Component }) {
    super(scope, id);
    new ApiObject(this, 'monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: `chat-${props.component}`, namespace: props.config.namespace, labels: componentLabels(props.component) },
      spec: {
        selector: { matchLabels: selectorLabels(props.component) },
        endpoints: [{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
      },
    });
  }
}
