/**
 * The Argo CD objects of each environment, as data: an app-of-apps root `Application`, the
 * `AppProject` that fences the environment, one `Application` per platform chart, one for the
 * cluster configuration and one for the chat chart. `generate` writes them under `gitops/<env>/`.
 *
 * What a release changes is `gitops/<env>/images.yaml` (the image tag), written by CI; what a
 * `pulumi up` changes is `gitops/<env>/infrastructure/` (written from the stack outputs).
 */
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';

import {
  APP_NAMESPACE,
  ARGOCD_NAMESPACE,
  GIT_REPOSITORY,
  GIT_REVISION,
  PLATFORM_CHARTS,
  type Environment,
  type PlatformChart,
} from './catalog';
import type { KubeObject } from './yaml-documents';

const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Files of one environment's GitOps path, relative to the repository root. */
export function environmentPaths(env: Environment) {
  const root = `gitops/${env}`;
  return {
    root,
    rootApplication: `${root}/root.yaml`,
    apps: `${root}/apps`,
    cluster: `${root}/cluster`,
    /** Image tag of the release: the only file CI changes. */
    images: `${root}/images.yaml`,
    /** Environment settings a person edits (host name, TLS contact, routing). */
    values: `${root}/values.yaml`,
    /** Values written from the Pulumi stack outputs (`write-infrastructure`). */
    infrastructure: `${root}/infrastructure`,
    /** ExternalSecrets of the environment that its chart does not bring. */
    secrets: `${root}/secrets`,
  } as const;
}

/** Helm value files of the chat chart, in merge order (later wins), relative to the repository root. */
export function chatValueFiles(env: Environment): string[] {
  const paths = environmentPaths(env);
  return [
    // values.yaml of the chart is prod's; dev overlays its own.
    ...(env === 'dev' ? ['helm/chat/values-dev.yaml'] : []),
    `${paths.infrastructure}/chat.yaml`,
    paths.values,
    // Last, so a release's tag is what runs.
    paths.images,
  ];
}

const syncPolicy = (options: string[]) => ({
  automated: { prune: true, selfHeal: true },
  // Operators install CRDs the next wave uses; retry instead of failing while they register.
  retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
  syncOptions: options,
});

const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });

function application(env: Environment, name: string, waveNumber: number, namespace: string, spec: Record<string, unknown>, options: string[] = []) {
  return new Application({
    metadata: {
      name,
      namespace: ARGOCD_NAMESPACE,
      annotations: wave(waveNumber),
      labels: { 'app.kubernetes.io/part-of': 'chat', 'chat.example.com/environment': env },
      // Deleting the Application deletes what it installed.
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: `chat-${env}`,
      destination: { server: IN_CLUSTER, namespace },
      syncPolicy: syncPolicy(['CreateNamespace=true', ...options]),
      ...spec,
    },
  });
}

function chartApplication(env: Environment, chart: PlatformChart): Application {
  const valueFiles = chart.valueFiles.map((f) => `$values/${f.replace('{env}', env)}`);
  return application(env, chart.name, chart.wave, chart.namespace, {
    sources: [
      { repoURL: chart.repoURL, chart: chart.chart, targetRevision: chart.version, helm: { releaseName: chart.name, valueFiles } },
      // The repository itself, referenced as `$values` by the value files above.
      { repoURL: GIT_REPOSITORY, targetRevision: GIT_REVISION, ref: 'values' },
    ],
  }, chart.serverSideApply ? ['ServerSideApply=true'] : []);
}

/** Name of the ClusterSecretStore the chart's ExternalSecret names (`externalSecrets.storeName`). */
export const SECRET_STORE_NAME = 'aws-secrets-manager';

function storageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'gp3', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
    // Volumes are created in the zone the pod is scheduled to, so a pod never waits on another zone.
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
    reclaimPolicy: 'Retain',
  };
}

function devExternalSecret(env: Environment): KubeObject {
  const key = `chat/${env}`;
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'chat-secrets', namespace: APP_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'chat' } },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: SECRET_STORE_NAME },
      target: { name: 'chat-secrets', creationPolicy: 'Owner' },
      data: ['DATABASE_URL', 'JWT_SECRET', 'POSTGRES_PASSWORD'].map((property) => ({ secretKey: property, remoteRef: { key, property } })),
    },
  };
}

/** Every Argo CD object of one environment, keyed by file path relative to the repository root. */
export function environmentManifests(env: Environment): Map<string, KubeObject[]> {
  const paths = environmentPaths(env);
  const files = new Map<string, KubeObject[]>();
  const add = (path: string, ...objects: (Application | AppProject)[]) => {
    // Checks each object against the Argo CD CRD schema before it is ever written.
    for (const o of objects) o.validate();
    files.set(path, objects.map((o) => o.toJSON() as KubeObject));
  };

  const root = new Application({
    metadata: { name: `chat-${env}`, namespace: ARGOCD_NAMESPACE, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    spec: {
      // The root lives in `default`: it creates the environment's project.
      project: 'default',
      source: { repoURL: GIT_REPOSITORY, targetRevision: GIT_REVISION, path: paths.apps },
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      syncPolicy: syncPolicy([]),
    },
  });
  add(paths.rootApplication, root);

  const namespaces = [...new Set([APP_NAMESPACE, ...PLATFORM_CHARTS.map((c) => c.namespace), ARGOCD_NAMESPACE])].sort();
  const project = new AppProject({
    metadata: { name: `chat-${env}`, namespace: ARGOCD_NAMESPACE, annotations: wave(-10) },
    spec: {
      description: `Chat platform, ${env}: the only sources and namespaces its Applications may use`,
      sourceRepos: [GIT_REPOSITORY, ...new Set(PLATFORM_CHARTS.map((c) => c.repoURL))],
      destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
      // Operators bring CRDs, ClusterRoles and webhooks; the cluster configuration a StorageClass
      // and a ClusterSecretStore.
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  });
  add(`${paths.apps}/project.yaml`, project);

  for (const chart of PLATFORM_CHARTS) add(`${paths.apps}/${chart.name}.yaml`, chartApplication(env, chart));

  // StorageClass, the ClusterSecretStore and its service account (and in dev the ExternalSecret).
  add(`${paths.apps}/cluster-config.yaml`, application(env, 'cluster-config', -2, 'external-secrets', {
    source: { repoURL: GIT_REPOSITORY, targetRevision: GIT_REVISION, path: paths.cluster, directory: { recurse: true } },
  }, ['SkipDryRunOnMissingResource=true']));

  // gp3, encrypted, as the default class: EKS marks none default, and Kafka's volumes use the default.
  files.set(`${paths.cluster}/storage-class.yaml`, [storageClass()]);

  if (env === 'dev') {
    // Prod's chart brings its own ExternalSecret; dev's expects chat-secrets to exist.
    add(`${paths.apps}/chat-secrets.yaml`, application(env, 'chat-secrets', -1, APP_NAMESPACE, {
      source: { repoURL: GIT_REPOSITORY, targetRevision: GIT_REVISION, path: paths.secrets },
    }, ['SkipDryRunOnMissingResource=true']));
    files.set(`${paths.secrets}/chat-secrets.yaml`, [devExternalSecret(env)]);
  }

  add(`${paths.apps}/chat.yaml`, application(env, 'chat', 0, APP_NAMESPACE, {
    source: {
      repoURL: GIT_REPOSITORY,
      targetRevision: GIT_REVISION,
      path: 'helm/chat',
      helm: {
        releaseName: 'chat',
        // Relative to the chart: Argo CD allows value files anywhere in the same repository.
        valueFiles: chatValueFiles(env).map((f) => (f.startsWith('helm/chat/') ? f.slice('helm/chat/'.length) : `../../${f}`)),
      },
    },
  }, ['SkipDryRunOnMissingResource=true']));

  return files;
}
