import type { ContainerResources, EnvironmentName, PlatformConfig, Toleration } from './config';
import { KAFKA_TOPICS } from './config';
import { containerResources } from './service-deployment';
import type { Manifest } from './synth';

/** A container's resources as a Helm value: the Kubernetes shape. */
type ResourcesValue = { requests: Record<string, string>; limits: Record<string, string> };

/** Workloads whose pods take the placement and annotation values. */
const APP_WORKLOADS = ['chat-gateway', 'chat-persister', 'chat-web', 'chat-assistant', 'chat-migrate', 'chat-thumbnails', 'chat-file-sweep'];

const resourcesValue = (r: ContainerResources): ResourcesValue => {
  const k8s = containerResources(r);
  const plain = (map: Record<string, { value: string | number }>) => Object.fromEntries(Object.entries(map).map(([key, q]) => [key, String(q.value)]));
  return { requests: plain(k8s.requests), limits: plain(k8s.limits) };
};
const fromResourcesValue = (v: ResourcesValue): ContainerResources => ({
  cpuRequest: v.requests.cpu as string,
  memoryRequest: v.requests.memory as string,
  ephemeralStorageRequest: v.requests['ephemeral-storage'],
  cpuLimit: v.limits.cpu as string,
  memoryLimit: v.limits.memory as string,
  ephemeralStorageLimit: v.limits['ephemeral-storage'],
});

// The objects are free-form JSON here: the paths below are the Kubernetes API's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyManifest = Manifest & Record<string, any>;
const named = (manifests: readonly Manifest[], kind: string, name: string) =>
  manifests.filter((m) => m.kind === kind && m.metadata.name === name) as AnyManifest[];

/**
 * A Helm value that is not a string: read from a configuration (the chart's default), written into
 * one (the cdk8s output for given values), and located in the synthesized objects (where the chart
 * template puts `{{ toJson .Values.<path> }}`).
 */
interface StructuredValue {
  readonly path: string;
  readonly schema: Record<string, unknown>;
  read(config: PlatformConfig): unknown;
  apply(config: PlatformConfig, value: unknown): Partial<PlatformConfig>;
  /** Replaces the value in the objects by `marker` (mutates them). */
  mark(manifests: Manifest[], marker: string): void;
}

const quantity = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$' };
const resourceMap = { type: 'object', properties: { cpu: quantity, memory: quantity, 'ephemeral-storage': quantity }, required: ['cpu', 'memory'], additionalProperties: false };
const resourcesSchema = { type: 'object', properties: { requests: resourceMap, limits: resourceMap }, required: ['requests', 'limits'], additionalProperties: false };
const toleration = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    operator: { enum: ['Exists', 'Equal'] },
    value: { type: 'string' },
    effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
    tolerationSeconds: { type: 'integer' },
  },
  additionalProperties: false,
};
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

function resources(component: 'gateway' | 'persister' | 'web'): StructuredValue {
  return {
    path: `${component}.resources`,
    schema: resourcesSchema,
    read: (c) => resourcesValue(c[component].resources),
    apply: (c, v) => ({ [component]: { ...c[component], resources: fromResourcesValue(v as ResourcesValue) } }) as Partial<PlatformConfig>,
    mark: (ms, marker) => {
      for (const d of named(ms, 'Deployment', `chat-${component}`)) d.spec.template.spec.containers[0].resources = marker;
    },
  };
}

function podField(path: string, field: 'nodeSelector' | 'tolerations' | 'annotations', schema: Record<string, unknown>, read: StructuredValue['read'], apply: StructuredValue['apply']): StructuredValue {
  return {
    path,
    schema,
    read,
    apply,
    mark: (ms, marker) => {
      for (const m of ms as AnyManifest[]) {
        if (!['Deployment', 'Job', 'CronJob'].includes(m.kind) || !APP_WORKLOADS.includes(m.metadata.name)) continue;
        const template = m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec.template;
        if (field === 'annotations') template.metadata.annotations = marker;
        else template.spec[field] = marker;
      }
    },
  };
}

/** The chart's non-string values (replicas, HPA bounds, resources, placement, pod annotations). */
export const HELM_STRUCTURED_VALUES: readonly StructuredValue[] = [
  {
    path: 'gateway.minReplicas',
    schema: { type: 'integer', minimum: 1 },
    read: (c) => c.gateway.minReplicas,
    apply: (c, v) => ({ gateway: { ...c.gateway, minReplicas: v as number } }),
    mark: (ms, marker) => {
      named(ms, 'HorizontalPodAutoscaler', 'chat-gateway').forEach((h) => (h.spec.minReplicas = marker));
      named(ms, 'ScaledObject', 'chat-gateway').forEach((h) => (h.spec.minReplicaCount = marker));
    },
  },
  {
    path: 'gateway.maxReplicas',
    schema: { type: 'integer', minimum: 1, maximum: 200 },
    read: (c) => c.gateway.maxReplicas,
    apply: (c, v) => ({ gateway: { ...c.gateway, maxReplicas: v as number } }),
    mark: (ms, marker) => {
      named(ms, 'HorizontalPodAutoscaler', 'chat-gateway').forEach((h) => (h.spec.maxReplicas = marker));
      named(ms, 'ScaledObject', 'chat-gateway').forEach((h) => (h.spec.maxReplicaCount = marker));
    },
  },
  {
    path: 'gateway.fanoutMode',
    schema: { enum: ['stream', 'sharded'] },
    read: (c) => c.gateway.fanoutMode,
    apply: (c, v) => ({ gateway: { ...c.gateway, fanoutMode: v as 'stream' | 'sharded' } }),
    mark: (ms, marker) => named(ms, 'ConfigMap', 'chat-gateway-config').forEach((m) => (m.data.FANOUT_MODE = marker)),
  },
  {
    path: 'persister.replicas',
    schema: { type: 'integer', minimum: 1 },
    read: (c) => c.persister.replicas,
    apply: (c, v) => ({ persister: { ...c.persister, replicas: v as number } }),
    mark: (ms, marker) => {
      // The count (hpa mode) or KEDA's floor (keda mode).
      named(ms, 'Deployment', 'chat-persister').forEach((d) => {
        if (d.spec.replicas !== undefined) d.spec.replicas = marker;
      });
      named(ms, 'ScaledObject', 'chat-persister').forEach((h) => (h.spec.minReplicaCount = marker));
    },
  },
  {
    path: 'web.replicas',
    schema: { type: 'integer', minimum: 1 },
    read: (c) => c.web.replicas,
    apply: (c, v) => ({ web: { ...c.web, replicas: v as number } }),
    mark: (ms, marker) => named(ms, 'Deployment', 'chat-web').forEach((d) => (d.spec.replicas = marker)),
  },
  resources('gateway'),
  resources('persister'),
  resources('web'),
  podField('placement.nodeSelector', 'nodeSelector', stringMap, (c) => ({ ...c.placement.nodeSelector }), (c, v) => ({ placement: { ...c.placement, nodeSelector: v as Record<string, string> } })),
  podField('placement.tolerations', 'tolerations', { type: 'array', items: toleration }, (c) => [...c.placement.tolerations], (c, v) => ({ placement: { ...c.placement, tolerations: v as Toleration[] } })),
  podField('podAnnotations', 'annotations', stringMap, (c) => ({ ...c.podAnnotations }), (_c, v) => ({ podAnnotations: v as Record<string, string> })),
];

/** The marker a structured value is synthesized as, before it becomes `{{ toJson .Values.<path> }}`. */
export const structuredMarker = (path: string): string => `@@json:${path}@@`;

/**
 * `templates/validate.yaml`: renders nothing, or fails the install with a message naming the value.
 * Prod's placeholder defaults (account 123456789012, example hosts) must be replaced; bounds that a
 * JSON schema cannot express across values or environments are checked here.
 */
export function validationTemplate(placeholders: Readonly<Record<string, string>>, partitions: Readonly<Record<EnvironmentName, number>>): string {
  const lines = [
    '# Generated by `npm run synth -w @chat/k8s` from k8s/src: do not edit.',
    '{{- if gt (int .Values.gateway.minReplicas) (int .Values.gateway.maxReplicas) }}{{ fail "helm/chat: gateway.minReplicas exceeds gateway.maxReplicas" }}{{- end }}',
    ...Object.entries(partitions).map(
      ([env, count]) =>
        `{{- if and (eq .Values.environment "${env}") (gt (int .Values.persister.replicas) ${count}) }}{{ fail "helm/chat: persister.replicas exceeds the ${count} partitions of ${KAFKA_TOPICS.messages} (extra consumers would sit idle)" }}{{- end }}`,
    ),
    '{{- if and (eq .Values.environment "prod") (lt (int .Values.web.replicas) 2) }}{{ fail "helm/chat: prod runs at least 2 web replicas (its PodDisruptionBudget allows one down)" }}{{- end }}',
    '{{- if and (eq .Values.environment "dev") (gt (int .Values.web.replicas) 1) }}{{ fail "helm/chat: dev runs 1 web replica (no PodDisruptionBudget)" }}{{- end }}',
    '{{- if eq .Values.environment "prod" }}',
    ...Object.entries(placeholders).map(([path, value]) => {
      const test = path === 'images.registry' ? `contains "${value}" .Values.${path}` : `eq .Values.${path} "${value}"`;
      return `{{- if ${test} }}{{ fail "helm/chat: ${path} is still the placeholder ${value}: set it for your environment (docs/kubernetes.md)" }}{{- end }}`;
    }),
    '{{- end }}',
    '',
  ];
  return lines.join('\n');
}
