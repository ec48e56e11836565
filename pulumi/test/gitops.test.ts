/**
 * The GitOps path: the committed Argo CD objects are the generator's output and valid against the
 * Argo CD CRD schemas, every file and namespace they reference exists and is allowed, the chat chart
 * renders with exactly the value files its Application lists, and a release changes only the tag.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { parse } from 'yaml';

import { chartsFor, ENVIRONMENTS, GIT_REPOSITORY, GIT_REVISION, type Environment } from '../src/gitops/catalog';
import { generatedFiles, pinnedRelease } from '../src/gitops/cli';
import { readImageTag, setImageTag } from '../src/gitops/image-tag';
import { infrastructureFiles, parseStackOutputs } from '../src/gitops/infrastructure';
import { APP_NAMESPACE_LABELS, chatValueFiles, environmentManifests, environmentPaths, parseRelease, releaseFile } from '../src/gitops/manifests';
import { filesUnder, goTool, readYaml, REPO_ROOT, repoPathExists } from './support/repo-files';

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any };  

const docsOf = (env: Environment): { file: string; doc: Doc }[] =>
  filesUnder(`gitops/${env}`, ['.yaml', '.yml']).flatMap((file) => readYaml(file).map((doc) => ({ file, doc: doc as Doc })));

const applications = (env: Environment) => docsOf(env).filter(({ doc }) => doc.kind === 'Application');

test('the committed Argo CD objects are exactly what the generator produces', () => {
  const stale = [...generatedFiles()].filter(([file, text]) => !repoPathExists(file) || readFileSync(path.join(REPO_ROOT, file), 'utf8') !== text);
  expect(stale.map(([file]) => file)).toEqual([]);
});

describe.each(ENVIRONMENTS)('gitops/%s', (env) => {
  test('every Application and AppProject validates against the Argo CD CRD schema', () => {
    const argo = docsOf(env).filter(({ doc }) => doc.apiVersion === 'argoproj.io/v1alpha1');
    expect(argo.length).toBeGreaterThanOrEqual(chartsFor(env).length + 3);
    for (const { file, doc } of argo) {
      const model = doc.kind === 'AppProject' ? new AppProject(doc as never) : new Application(doc as never);
      expect(() => model.validate()).not.toThrow();
      expect({ file, kind: doc.kind }).toEqual({ file, kind: expect.stringMatching(/^(Application|AppProject)$/) });
    }
  });

  test('the schema check catches a broken Application (missing destination)', () => {
    const { doc } = applications(env)[0]!;
    const broken = { ...doc, spec: { ...doc.spec, destination: undefined } };
    expect(() => new Application(broken as never).validate()).toThrow();
  });

  test('the root Application points at the apps folder, which holds only Argo CD objects', () => {
    const [root] = readYaml(environmentPaths(env).rootApplication) as Doc[];
    expect(root!.spec.source).toMatchObject({ repoURL: GIT_REPOSITORY, path: `gitops/${env}/apps` });
    for (const file of filesUnder(`gitops/${env}/apps`, ['.yaml'])) {
      for (const doc of readYaml(file) as Doc[]) expect(['Application', 'AppProject']).toContain(doc.kind);
    }
  });

  test('every Application stays inside its project: allowed sources and destination namespaces', () => {
    const projects = new Map(docsOf(env).filter(({ doc }) => doc.kind === 'AppProject').map(({ doc }) => [doc.metadata.name, doc.spec]));
    for (const { file, doc } of applications(env)) {
      if (doc.spec.project === 'default') {
        expect(file).toBe(environmentPaths(env).rootApplication);
        continue;
      }
      const project = projects.get(doc.spec.project);
      expect(project).toBeDefined();
      expect(project.destinations.map((d: { namespace: string }) => d.namespace)).toContain(doc.spec.destination.namespace);
      for (const source of doc.spec.sources ?? [doc.spec.source]) expect(project.sourceRepos).toContain(source.repoURL);
    }
  });

  test('every path and value file an Application names exists in the repository', () => {
    for (const { doc } of applications(env)) {
      for (const source of doc.spec.sources ?? [doc.spec.source]) {
        if (source.repoURL === GIT_REPOSITORY && source.path) expect({ path: source.path, exists: repoPathExists(source.path) }).toEqual({ path: source.path, exists: true });
        for (const file of source.helm?.valueFiles ?? []) {
          const resolved = file.startsWith('$values/') ? file.slice('$values/'.length) : path.posix.normalize(path.posix.join(source.path, file));
          expect({ file: resolved, exists: repoPathExists(resolved) }).toEqual({ file: resolved, exists: true });
        }
      }
    }
  });

  test('pins every upstream chart to an exact version, Strimzi to the platform version 1.2.0', () => {
    const charts = applications(env).flatMap(({ doc }) => (doc.spec.sources ?? []).filter((s: { chart?: string }) => s.chart));
    expect(charts).toHaveLength(chartsFor(env).length);
    for (const chart of charts) expect(chart.targetRevision).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(charts.find((c: { chart: string }) => c.chart === 'strimzi-kafka-operator').targetRevision).toBe('1.2.0');
  });

  test('the chat values files only set keys the chart schema allows, and images.yaml only the tag', () => {
    const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'helm/chat/values.schema.json'), 'utf8'));
    for (const file of chatValueFiles(env).filter((f) => f.startsWith('gitops/'))) {
      for (const key of Object.keys(readYaml(file)[0] as object)) expect({ file, key, allowed: key in schema.properties }).toEqual({ file, key, allowed: true });
    }
    if (env === 'dev') {
      expect(readYaml(environmentPaths(env).images)).toEqual([{ images: { tag: expect.any(String) } }]);
      expect(chatValueFiles(env).at(-1)).toBe(environmentPaths(env).images);
    } else {
      expect(repoPathExists(environmentPaths(env).images)).toBe(false);
    }
  });

  test('the chat chart renders with exactly the value files of its Application, pulling the released tag', () => {
    const helm = goTool('helm');
    const chat = applications(env).find(({ doc }) => doc.metadata.name === 'chat')!.doc;
    const valueFiles: string[] = chat.spec.source.helm.valueFiles.map((f: string) => path.join(REPO_ROOT, chat.spec.source.path, f));
    const parameters: { name: string; value: string }[] = chat.spec.source.helm.parameters ?? [];
    const args = ['template', 'chat', path.join(REPO_ROOT, 'helm/chat'), '--kube-version', '1.35.0', ...valueFiles.flatMap((f) => ['-f', f]), ...parameters.flatMap((p) => ['--set-string', `${p.name}=${p.value}`])];
    const render = (extra: string[]) => execFileSync(helm, [...args, ...extra], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    // The committed prod values are the operator's to fill: the chart refuses its placeholders.
    if (env === 'prod') expect(() => render([])).toThrow(/placeholder/);
    const rendered = render(env === 'prod' ? ['--set-string', 'host=chat.acme.test', '--set-string', 'tls.email=ops@acme.test', '--set-string', 'images.registry=210987654321.dkr.ecr.us-east-1.amazonaws.com/chat-prod'] : []);
    const registry = env === 'prod' ? '210987654321.dkr.ecr.us-east-1.amazonaws.com/chat-prod' : (readYaml(`gitops/${env}/infrastructure/chat.yaml`)[0] as { images: { registry: string } }).images.registry;
    const tag = env === 'prod' ? pinnedRelease(env) : readImageTag(readFileSync(path.join(REPO_ROOT, environmentPaths(env).images), 'utf8'));
    for (const image of ['gateway', 'persister', 'web']) expect(rendered).toContain(`${registry}/chat-${image}:${tag}`);
  });

  test('the ClusterSecretStore reads through the IRSA role Pulumi creates for its service account', () => {
    const docs = readYaml(`gitops/${env}/cluster/secrets-access.yaml`) as Doc[];
    const account = docs.find((d) => d.kind === 'ServiceAccount') as Doc & { metadata: { annotations: Record<string, string> } };
    expect(account.metadata).toMatchObject({ name: 'external-secrets-reader', namespace: 'external-secrets' });
    expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(new RegExp(`^arn:aws:iam::\\d{12}:role/chat-${env}-external-secrets$`));
    const store = docs.find((d) => d.kind === 'ClusterSecretStore')!;
    expect(store.spec.provider.aws.auth.jwt.serviceAccountRef).toEqual({ name: 'external-secrets-reader', namespace: 'external-secrets' });
  });

  test('the stack-derived files are what write-infrastructure makes of a stack output', () => {
    const outputs = parseStackOutputs(JSON.parse(readFileSync(path.join(__dirname, 'fixtures', `${env}-outputs.json`), 'utf8')));
    for (const [file, docs] of infrastructureFiles(env, outputs)) expect(readYaml(file)).toEqual(docs);
  });
});

describe.each(ENVIRONMENTS)('gitops/%s on a fresh cluster', (env) => {
  const waveOf = (doc: Doc) => Number((doc.metadata as { annotations?: Record<string, string> }).annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const app = (name: string) => applications(env).find(({ doc }) => doc.metadata.name === name)!.doc;

  test('the app namespace exists with its restricted Pod Security labels before Strimzi (watching it) and the chat chart sync', () => {
    const [namespace] = readYaml(`gitops/${env}/cluster/namespace.yaml`) as (Doc & { metadata: { labels: Record<string, string> } })[];
    expect(namespace!.metadata).toEqual({ name: 'chat', labels: APP_NAMESPACE_LABELS });
    expect(APP_NAMESPACE_LABELS['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const clusterConfig = app('cluster-config');
    expect(clusterConfig.spec.source.path).toBe(`gitops/${env}/cluster`);
    expect(waveOf(clusterConfig)).toBeLessThan(waveOf(app('strimzi-kafka-operator')));
    expect(waveOf(clusterConfig)).toBeLessThan(waveOf(app('chat')));
    // One owner of the namespace: the chat Application must not create an unlabelled one.
    expect(app('chat').spec.syncPolicy.syncOptions).not.toContain('CreateNamespace=true');
  });

  test('every operator whose CRDs the chat chart or the cluster configuration uses syncs in an earlier wave', () => {
    for (const name of ['envoy-gateway', 'karpenter', 'keda', 'kyverno', 'cert-manager', 'external-secrets', 'kube-prometheus-stack']) {
      expect({ name, before: waveOf(app(name)) < waveOf(app('cluster-config')) }).toEqual({ name, before: true });
    }
  });

  test(env === 'prod' ? 'prod reads everything at its pinned release and runs that release\'s images; only the root follows main' : 'dev follows main', () => {
    const revision = env === 'prod' ? pinnedRelease(env)! : GIT_REVISION;
    if (env === 'prod') expect(revision).toMatch(/^[0-9a-f]{40}$/);
    for (const { doc } of applications(env)) {
      const own = (doc.spec.sources ?? [doc.spec.source]).filter((source: { repoURL: string }) => source.repoURL === GIT_REPOSITORY);
      const expected = doc.metadata.name === `chat-${env}` ? GIT_REVISION : revision;
      for (const source of own) expect({ app: doc.metadata.name, revision: source.targetRevision }).toEqual({ app: doc.metadata.name, revision: expected });
    }
    if (env === 'prod') expect(app('chat').spec.source.helm.parameters).toEqual([{ name: 'images.tag', value: revision, forceString: true }]);
  });
});

describe('promotion', () => {
  const sha = 'c0ffee0000000000000000000000000000000001';

  test('set-release pins every prod Application to the new commit and its images', () => {
    expect(parseRelease(releaseFile(sha))).toBe(sha);
    const files = environmentManifests('prod', sha);
    const chat = files.get('gitops/prod/apps/chat.yaml')![0] as Doc;
    expect(chat.spec.source.targetRevision).toBe(sha);
    expect(chat.spec.source.helm.parameters[0].value).toBe(sha);
  });

  test('a release pin must be a full commit SHA, never a branch', () => {
    expect(() => releaseFile('main')).toThrow(/full commit SHA/);
    expect(() => parseRelease('revision: main\n')).toThrow(/full commit SHA/);
    expect(() => environmentManifests('prod')).toThrow(/pinned release/);
  });
});

test('dev syncs every key of chat-secrets that the dev chart reads', () => {
  const template = readFileSync(path.join(REPO_ROOT, 'helm/chat/templates/dev-ingress.yaml'), 'utf8');
  const needed = new Set([...template.matchAll(/secretKeyRef:\s*\n\s*key: (\w+)\s*\n\s*name: chat-secrets/g)].map((m) => m[1]));
  expect(needed.size).toBeGreaterThan(0);
  const [externalSecret] = readYaml('gitops/dev/secrets/chat-secrets.yaml') as Doc[];
  expect(new Set(externalSecret!.spec.data.map((d: { secretKey: string }) => d.secretKey))).toEqual(needed);
});

describe('release tooling', () => {
  const file = '# the release\nimages:\n  # set by CI\n  tag: 0.1.0\n';

  test('set-image-tag changes only the tag and keeps the comments', () => {
    const updated = setImageTag(file, '3f2c1e9a');
    expect(updated).toBe('# the release\nimages:\n  # set by CI\n  tag: 3f2c1e9a\n');
    expect(parse(updated)).toEqual({ images: { tag: '3f2c1e9a' } });
  });

  test('set-image-tag refuses a tag Docker would refuse', () => {
    expect(() => setImageTag(file, 'bad tag')).toThrow(/not a valid image tag/);
    expect(() => setImageTag(file, '-leading-dash')).toThrow(/not a valid image tag/);
  });

  test('write-infrastructure refuses stack outputs that lack what the files need', () => {
    expect(() => parseStackOutputs({ clusterName: 'chat-dev' })).toThrow(/region/);
    const prod = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'prod-outputs.json'), 'utf8'));
    delete prod.databaseHost;
    expect(() => infrastructureFiles('prod', parseStackOutputs(prod))).toThrow(/databaseHost/);
  });
});
