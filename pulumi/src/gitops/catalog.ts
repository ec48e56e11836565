/**
 * Upstream Helm charts the platform runs, with their pinned versions: the one place to bump them.
 * Argo CD installs each one from its chart repository with values kept in this repository.
 */

/** Environments with a GitOps path `gitops/<env>/`. */
export const ENVIRONMENTS = ['dev', 'prod'] as const;
/** One environment. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** The Git repository Argo CD reads (the GitHub repository named in the Pulumi stack files). */
export const GIT_REPOSITORY = 'https://github.com/chat-platform/chat.git';
/**
 * Branch the root Applications and dev follow; CI commits dev's image tags to it. Prod's Applications
 * read the repository at the pinned release instead (`gitops/prod/release.yaml`), so a merge to main
 * reaches prod only when promotion moves the pin.
 */
export const GIT_REVISION = 'main';

/** Where each environment pins its release; dev has none (it follows {@link GIT_REVISION}). */
export const RELEASE_FILE: Readonly<Partial<Record<Environment, string>>> = { prod: 'gitops/prod/release.yaml' };

/** An upstream chart and how it is installed. */
export interface PlatformChart {
  /** Application name, also the Helm release name. */
  readonly name: string;
  readonly repoURL: string;
  readonly chart: string;
  /** Exact chart version (no ranges: a sync must be repeatable). */
  readonly version: string;
  readonly namespace: string;
  /**
   * Sync wave of the Application in the app-of-apps: operators whose CRDs and webhooks others need
   * come first (-4, -3), then cluster configuration with the app namespace (-2), the Kafka operator
   * (-1, its RoleBindings go into the existing namespace), the app (0).
   */
  readonly wave: number;
  /** Values file in this repository, relative to its root; `{env}` is replaced by the environment. */
  readonly valueFiles: readonly string[];
  /** Large CRDs (over the 256 KiB annotation limit of client-side apply) need server-side apply. */
  readonly serverSideApply?: boolean;
  /** Environments that run the chart; default every one. */
  readonly environments?: readonly Environment[];
}

/**
 * The platform's charts, in install order. Each version was seen published in its chart repository
 * (no chart repository is reachable from the build machines, so `helm search repo` before a bump).
 */
export const PLATFORM_CHARTS: readonly PlatformChart[] = [
  {
    name: 'aws-load-balancer-controller',
    repoURL: 'https://aws.github.io/eks-charts',
    chart: 'aws-load-balancer-controller',
    version: '1.14.0',
    namespace: 'kube-system',
    wave: -3,
    // Cluster name, region, VPC and IRSA role come from the Pulumi stack outputs.
    valueFiles: ['gitops/{env}/infrastructure/aws-load-balancer-controller.yaml'],
  },
  {
    name: 'external-secrets',
    repoURL: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '1.1.1',
    namespace: 'external-secrets',
    wave: -3,
    valueFiles: [],
    serverSideApply: true,
  },
  {
    name: 'cert-manager',
    repoURL: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.19.2',
    namespace: 'cert-manager',
    wave: -3,
    valueFiles: ['helm/platform/cert-manager.values.yaml'],
  },
  {
    name: 'kube-prometheus-stack',
    repoURL: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '80.7.0',
    namespace: 'monitoring',
    wave: -3,
    // The chat chart's ServiceMonitors need the operator's CRDs; the values live beside the apps.
    valueFiles: ['gitops/platform/kube-prometheus-stack.values.yaml'],
    serverSideApply: true,
  },
  {
    // The Gateway API edge (prod's routing): a maintained implementation with cookie session
    // persistence and the PROXY protocol. Its chart brings the Gateway API CRDs, which cert-manager's
    // Gateway support needs, hence the earliest wave.
    name: 'envoy-gateway',
    repoURL: 'docker.io/envoyproxy',
    chart: 'gateway-helm',
    version: 'v1.6.1',
    namespace: 'envoy-gateway-system',
    wave: -4,
    valueFiles: [],
    serverSideApply: true,
  },
  {
    // Node autoscaling: NodePools and the EC2NodeClass live in gitops/<env>/cluster (wave -2).
    name: 'karpenter',
    repoURL: 'public.ecr.aws/karpenter',
    chart: 'karpenter',
    version: '1.8.1',
    namespace: 'kube-system',
    wave: -3,
    valueFiles: ['gitops/{env}/infrastructure/karpenter.yaml'],
    serverSideApply: true,
  },
  {
    // Event-driven pod autoscaling: the gateway on CPU and sockets per pod, the persister on lag.
    name: 'keda',
    repoURL: 'https://kedacore.github.io/charts',
    chart: 'keda',
    version: '2.18.1',
    namespace: 'keda',
    wave: -3,
    valueFiles: [],
    serverSideApply: true,
  },
  {
    // Admission: only images signed by this repository's release workflow run in `chat`.
    name: 'kyverno',
    repoURL: 'https://kyverno.github.io/kyverno/',
    chart: 'kyverno',
    version: '3.5.2',
    namespace: 'kyverno',
    wave: -3,
    valueFiles: [],
    serverSideApply: true,
  },
  {
    // Retired upstream (no patches since March 2026): only dev, whose chart routes through it.
    name: 'ingress-nginx',
    repoURL: 'https://kubernetes.github.io/ingress-nginx',
    chart: 'ingress-nginx',
    version: '4.14.1',
    namespace: 'ingress-nginx',
    wave: -1,
    valueFiles: ['helm/platform/ingress-nginx.values.yaml'],
    environments: ['dev'],
  },
  {
    name: 'strimzi-kafka-operator',
    repoURL: 'https://strimzi.io/charts/',
    chart: 'strimzi-kafka-operator',
    version: '1.2.0',
    namespace: 'strimzi',
    wave: -1,
    valueFiles: ['helm/platform/strimzi-kafka-operator.values.yaml'],
  },
];

/** The platform charts one environment runs. */
export function chartsFor(env: Environment): PlatformChart[] {
  return PLATFORM_CHARTS.filter((chart) => !chart.environments || chart.environments.includes(env));
}

/** Namespace of the chat workloads (created by the cluster-config Application, before Strimzi's RoleBindings). */
export const APP_NAMESPACE = 'chat';
/** Namespace of Argo CD itself. */
export const ARGOCD_NAMESPACE = 'argocd';
