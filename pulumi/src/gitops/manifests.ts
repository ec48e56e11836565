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
  chartsFor,
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
    /** Image tag of dev's release: the only file dev's release changes (prod pins `release` instead). */
    images: `${root}/images.yaml`,
    /** Prod's release: the commit every prod Application reads and whose images it runs. */
    release: `${root}/release.yaml`,
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
    // Last, so a release's tag is what runs. Prod's tag is the pinned release (a Helm parameter).
    ...(env === 'dev' ? [paths.images] : []),
  ];
}

/** Pod Security labels of the app namespace: the pods are written for "restricted". */
export const APP_NAMESPACE_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
} as const;

/** A release pin: a full commit SHA of main, whose images CI built and tagged with the same SHA. */
const RELEASE = /^[0-9a-f]{40}$/;

/** Reads `revision` from a release file; throws unless it is a full commit SHA. */
export function parseRelease(text: string): string {
  const revision = /^revision:\s*"?([^"\s]+)"?\s*$/m.exec(text)?.[1];
  if (!revision || !RELEASE.test(revision)) throw new Error(`release file must set revision to a full commit SHA, got ${JSON.stringify(revision)}`);
  return revision;
}

/** The release file's text for a revision (what `set-release` writes). */
export function releaseFile(revision: string): string {
  if (!RELEASE.test(revision)) throw new Error(`not a full commit SHA: ${JSON.stringify(revision)}`);
  return `# The release prod runs: every prod Application reads the repository at this commit, and the
# images built from it (tagged with it). Moved only by .github/workflows/promote.yml.
revision: ${revision}
`;
}

const syncPolicy = (options: string[]) => ({
  automated: { prune: true, selfHeal: true },
  // Operators install CRDs the next wave uses; retry instead of failing while they register.
  retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
  syncOptions: options,
});

const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });

function application(env: Environment, name: string, waveNumber: number, namespace: string, spec: Record<string, unknown>, options: string[] = ['CreateNamespace=true']) {
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
      syncPolicy: syncPolicy(options),
      ...spec,
    },
  });
}

function chartApplication(env: Environment, chart: PlatformChart, revision: string): Application {
  const valueFiles = chart.valueFiles.map((f) => `$values/${f.replace('{env}', env)}`);
  return application(env, chart.name, chart.wave, chart.namespace, {
    sources: [
      { repoURL: chart.repoURL, chart: chart.chart, targetRevision: chart.version, helm: { releaseName: chart.name, valueFiles } },
      // The repository itself, referenced as `$values` by the value files above.
      { repoURL: GIT_REPOSITORY, targetRevision: revision, ref: 'values' },
    ],
  }, ['CreateNamespace=true', ...(chart.serverSideApply ? ['ServerSideApply=true'] : [])]);
}

/** The app namespace, created by cluster-config (wave -2) so Strimzi's RoleBindings (wave -1) find it, with its Pod Security labels. */
function appNamespace(): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP_NAMESPACE, labels: { ...APP_NAMESPACE_LABELS } } };
}

/** Repository whose release workflow signs the images (keyless, GitHub OIDC), from {@link GIT_REPOSITORY}. */
const SIGNING_REPOSITORY = GIT_REPOSITORY.replace(/^https:\/\/github\.com\//, '').replace(/\.git$/, '');

/**
 * Kyverno admission policy: a pod in the app namespace runs only the platform's images signed by the
 * release workflow of this repository (cosign keyless: Fulcio certificate for the workflow's OIDC
 * identity, logged in Rekor), pinned to their digest.
 */
function imageSignaturePolicy(): KubeObject {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'chat-signed-images', annotations: { 'policies.kyverno.io/title': 'Only signed chat images' } },
    spec: {
      validationFailureAction: 'Enforce',
      webhookTimeoutSeconds: 15,
      background: false,
      rules: [
        {
          name: 'verify-release-signature',
          match: { any: [{ resources: { kinds: ['Pod'], namespaces: [APP_NAMESPACE] } }] },
          verifyImages: [
            {
              imageReferences: ['*.dkr.ecr.*.amazonaws.com/*/chat-*'],
              mutateDigest: true,
              verifyDigest: true,
              required: true,
              attestors: [
                {
                  entries: [
                    {
                      keyless: {
                        issuer: 'https://token.actions.githubusercontent.com',
                        subject: `https://github.com/${SIGNING_REPOSITORY}/.github/workflows/release.yml@refs/heads/main`,
                        rekor: { url: 'https://rekor.sigstore.dev' },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  };
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
      data: ['DATABASE_URL', 'JWT_SECRET', 'POSTGRES_PASSWORD', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'SERVICE_TOKEN_SECRET'].map((property) => ({ secretKey: property, remoteRef: { key, property } })),
    },
  };
}

/** Every Argo CD object of one environment, keyed by file path relative to the repository root. */
export function environmentManifests(env: Environment, release?: string): Map<string, KubeObject[]> {
  if (env === 'prod' && !release) throw new Error('prod needs its pinned release (gitops/prod/release.yaml)');
  // What the environment's Applications read: prod its pinned release, dev the branch.
  const revision = release ?? GIT_REVISION;
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

  const charts = chartsFor(env);
  // The chat chart's Gateway API edge lives in Envoy Gateway's namespace.
  const namespaces = [...new Set([APP_NAMESPACE, ...charts.map((c) => c.namespace), ARGOCD_NAMESPACE])].sort();
  const project = new AppProject({
    metadata: { name: `chat-${env}`, namespace: ARGOCD_NAMESPACE, annotations: wave(-10) },
    spec: {
      description: `Chat platform, ${env}: the only sources and namespaces its Applications may use`,
      sourceRepos: [GIT_REPOSITORY, ...new Set(charts.map((c) => c.repoURL))],
      destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
      // Operators bring CRDs, ClusterRoles and webhooks; the cluster configuration a StorageClass
      // and a ClusterSecretStore.
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  });
  add(`${paths.apps}/project.yaml`, project);

  for (const chart of charts) add(`${paths.apps}/${chart.name}.yaml`, chartApplication(env, chart, revision));

  // The app namespace, StorageClass, the ClusterSecretStore and its service account, Karpenter's
  // NodePools, the image-signature policy (and in dev the ExternalSecret).
  add(`${paths.apps}/cluster-config.yaml`, application(env, 'cluster-config', -2, 'external-secrets', {
    source: { repoURL: GIT_REPOSITORY, targetRevision: revision, path: paths.cluster, directory: { recurse: true } },
  }, ['CreateNamespace=true', 'SkipDryRunOnMissingResource=true']));

  // gp3, encrypted, as the default class: EKS marks none default, and Kafka's volumes use the default.
  files.set(`${paths.cluster}/storage-class.yaml`, [storageClass()]);
  files.set(`${paths.cluster}/namespace.yaml`, [appNamespace()]);
  files.set(`${paths.cluster}/image-signatures.yaml`, [imageSignaturePolicy()]);

  if (env === 'dev') {
    // Prod's chart brings its own ExternalSecret; dev's expects chat-secrets to exist.
    add(`${paths.apps}/chat-secrets.yaml`, application(env, 'chat-secrets', -1, APP_NAMESPACE, {
      source: { repoURL: GIT_REPOSITORY, targetRevision: revision, path: paths.secrets },
    }, ['SkipDryRunOnMissingResource=true']));
    files.set(`${paths.secrets}/chat-secrets.yaml`, [devExternalSecret(env)]);
  }

  // No CreateNamespace: cluster-config owns the namespace and its Pod Security labels.
  add(`${paths.apps}/chat.yaml`, application(env, 'chat', 0, APP_NAMESPACE, {
    source: {
      repoURL: GIT_REPOSITORY,
      targetRevision: revision,
      path: 'helm/chat',
      helm: {
        releaseName: 'chat',
        // Relative to the chart: Argo CD allows value files anywhere in the same repository.
        valueFiles: chatValueFiles(env).map((f) => (f.startsWith('helm/chat/') ? f.slice('helm/chat/'.length) : `../../${f}`)),
        // Prod runs the images built from its pinned release.
        ...(release ? { parameters: [{ name: 'images.tag', value: release, forceString: true }] } : {}),
      },
    },
  }, ['SkipDryRunOnMissingResource=true']));

  return files;
}
