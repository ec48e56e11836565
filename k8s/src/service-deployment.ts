import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { PROBES, type ProbeSettings } from '@chat/service-kit';
import type { ContainerResources, PlatformConfig } from './config';
import { type Component, componentLabels, selectorLabels } from './labels';
import { restrictedPodSecurityContext, restrictedSecurityContext } from './security';

/** Props of {@link ServiceDeployment}. */
export interface ServiceDeploymentProps {
  readonly config: PlatformConfig;
  readonly component: Extract<Component, 'gateway' | 'persister' | 'assistant' | 'web' | 'thumbnails'>;
  readonly image: string;
  /** Replicas of the Deployment; undefined when a HorizontalPodAutoscaler owns the count. */
  readonly replicas?: number;
  /** The one HTTP port: traffic, health probes and /metrics. */
  readonly port: number;
  /** Numeric non-root user the image runs as. */
  readonly uid: number;
  readonly resources: ContainerResources;
  /** Command, when the image's default is not the one to run. */
  readonly command?: string[];
  readonly env?: Record<string, kplus.EnvValue>;
  readonly envFrom?: kplus.EnvFrom[];
  /**
   * Path answering 200 once the pod may get traffic (503 while draining). Default the services'
   * {@link PROBES}.readiness path; the timing is always PROBES'.
   */
  readonly readinessPath?: string;
  /**
   * Liveness by a TCP check of the port instead of {@link PROBES}.liveness's path (for a pod whose
   * only HTTP answer is its readiness one: a liveness must not share readiness's answer).
   */
  readonly livenessOverTcp?: boolean;
  /** Time between SIGTERM and SIGKILL. Default 30 s. */
  readonly terminationGrace?: Duration;
  /**
   * Seconds the preStop hook waits before SIGTERM, so that endpoints and the ingress stop sending
   * new connections to a pod before it starts draining. Default none.
   */
  readonly preStopSleepSeconds?: number;
}

/** Seconds a container may take to start before its first liveness probe. */
const LIVENESS_START = Duration.seconds(10);

/** A probe's period, timeout and threshold as cdk8s-plus options, from the one definition in the service kit. */
function probeTiming(settings: ProbeSettings): { periodSeconds: Duration; timeoutSeconds: Duration; failureThreshold: number } {
  return { periodSeconds: Duration.seconds(settings.periodSeconds), timeoutSeconds: Duration.seconds(settings.timeoutSeconds), failureThreshold: settings.failureThreshold };
}

/** Converts "500m"/"2" to cdk8s-plus CPU units. */
function cpu(quantity: string): kplus.Cpu {
  return quantity.endsWith('m') ? kplus.Cpu.millis(Number(quantity.slice(0, -1))) : kplus.Cpu.units(Number(quantity));
}

/** Converts "256Mi"/"1Gi" to cdk8s sizes. */
function memory(quantity: string): Size {
  const match = /^([0-9]+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`Memory quantity "${quantity}" must be <n>Mi or <n>Gi`);
  return match[2] === 'Mi' ? Size.mebibytes(Number(match[1])) : Size.gibibytes(Number(match[1]));
}

/**
 * One stateless service of the platform: a Deployment of one container under the restricted
 * security profile, a ClusterIP Service named `chat-<component>` with a port named `http`, and
 * (when the environment spreads) zone and node spreading.
 */
export class ServiceDeployment extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: ServiceDeploymentProps) {
    super(scope, id);
    const name = `chat-${props.component}`;
    const { namespace } = props.config;

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name, namespace, labels: componentLabels(props.component) },
      replicas: props.replicas,
      select: false,
      podMetadata: { labels: componentLabels(props.component) },
      securityContext: restrictedPodSecurityContext(props.uid),
      terminationGracePeriod: props.terminationGrace ?? Duration.seconds(30),
      // Surge before removing old pods: capacity never drops during a rollout.
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(props.component) }));

    const container = this.deployment.addContainer({
      name: props.component,
      image: props.image,
      imagePullPolicy: props.config.images.pullPolicy as kplus.ImagePullPolicy,
      command: props.command,
      ports: [{ name: 'http', number: props.port }],
      envVariables: props.env,
      securityContext: restrictedSecurityContext(props.uid),
      resources: {
        cpu: { request: cpu(props.resources.cpuRequest), limit: cpu(props.resources.cpuLimit) },
        memory: { request: memory(props.resources.memoryRequest), limit: memory(props.resources.memoryLimit) },
      },
      readiness: kplus.Probe.fromHttpGet(props.readinessPath ?? PROBES.readiness.path, { port: props.port, ...probeTiming(PROBES.readiness) }),
      // The first probe waits for start-up; after that a kubelet acts exactly as the local supervisor does.
      liveness: props.livenessOverTcp
        ? kplus.Probe.fromTcpSocket({ port: props.port, initialDelaySeconds: LIVENESS_START, ...probeTiming(PROBES.liveness) })
        : kplus.Probe.fromHttpGet(PROBES.liveness.path, { port: props.port, initialDelaySeconds: LIVENESS_START, ...probeTiming(PROBES.liveness) }),
      lifecycle:
        props.preStopSleepSeconds === undefined
          ? undefined
          : { preStop: kplus.Handler.fromCommand(['sleep', String(props.preStopSleepSeconds)]) },
    });
    for (const source of props.envFrom ?? []) container.env.copyFrom(source);
    // The root filesystem is read-only; Node.js and nginx write temporary files to /tmp.
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'));

    this.service = new kplus.Service(this, 'service', {
      metadata: { name, namespace, labels: componentLabels(props.component) },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: [{ name: 'http', port: props.port, targetPort: props.port }],
    });

    if (props.config.spreadOverZones) spreadOverZonesAndNodes(this.deployment, props.component);
    applyPodPlacement(this.deployment, props.config);
    // The whole resources block as quantities (cdk8s-plus renders ephemeral storage in whole Gi only).
    ApiObject.of(this.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources', containerResources(props.resources)));
  }
}

/**
 * A container's `resources` in the Kubernetes shape. Ephemeral storage (the /tmp emptyDir, logs)
 * defaults to 64Mi requested, 256Mi at most: past it the kubelet evicts the pod instead of letting it
 * fill the node's disk.
 */
export function containerResources(r: ContainerResources): { requests: Record<string, kplus.k8s.Quantity>; limits: Record<string, kplus.k8s.Quantity> } {
  // Quantities, not strings: the L1 object converts its props (a patch lands before that conversion).
  const q = (value: string) => kplus.k8s.Quantity.fromString(value);
  return {
    requests: { cpu: q(r.cpuRequest), memory: q(r.memoryRequest), 'ephemeral-storage': q(r.ephemeralStorageRequest ?? '64Mi') },
    limits: { cpu: q(r.cpuLimit), memory: q(r.memoryLimit), 'ephemeral-storage': q(r.ephemeralStorageLimit ?? '256Mi') },
  };
}

/**
 * What every app pod carries beyond cdk8s-plus's model: nodeSelector and tolerations (the node
 * group) and extra pod annotations. Always written, empty or not, so the Helm chart can set them as values.
 */
export function applyPodPlacement(workload: kplus.Deployment | kplus.Job | kplus.CronJob, config: PlatformConfig): void {
  const api = ApiObject.of(workload);
  // A CronJob's pod template is one level down, in its job template.
  const template = workload instanceof kplus.CronJob ? '/spec/jobTemplate/spec/template' : '/spec/template';
  api.addJsonPatch(
    JsonPatch.add(`${template}/metadata/annotations`, { ...config.podAnnotations }),
    JsonPatch.add(`${template}/spec/nodeSelector`, { ...config.placement.nodeSelector }),
    JsonPatch.add(`${template}/spec/tolerations`, [...config.placement.tolerations]),
  );
}

/**
 * Zone spread (hard: losing one zone never takes every replica) and node spread (soft, plus a
 * preferred anti-affinity: replicas land on different nodes while there are enough of them).
 */
export function spreadOverZonesAndNodes(workload: kplus.Deployment, component: Component): void {
  const labelSelector = { matchLabels: selectorLabels(component) };
  const podSpec = ApiObject.of(workload);
  podSpec.addJsonPatch(
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector },
    ]),
    JsonPatch.add('/spec/template/spec/affinity', {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector } },
        ],
      },
    }),
  );
}
