import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import type { PlatformConfig } from './config';
import { type Component, componentLabels, selectorLabels } from './labels';

/** Props of {@link PodDisruptionBudget}. */
export interface PodDisruptionBudgetProps {
  readonly config: PlatformConfig;
  readonly component: Component;
  /** Pods a voluntary disruption (drain, upgrade) may take down at once. */
  readonly maxUnavailable: number;
}

/**
 * A PodDisruptionBudget named `chat-<component>`. maxUnavailable (not minAvailable) so that a
 * single-replica dev workload never blocks a node drain, while replicated ones lose one pod at a time.
 */
export class PodDisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: PodDisruptionBudgetProps) {
    super(scope, id);
    new kplus.k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: `chat-${props.component}`, namespace: props.config.namespace, labels: componentLabels(props.component) },
      spec: {
        maxUnavailable: kplus.k8s.IntOrString.fromNumber(props.maxUnavailable),
        selector: { matchLabels: selectorLabels(props.component) },
        // Pods that never became ready may always be evicted (they serve nothing).
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
