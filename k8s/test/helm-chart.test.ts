import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type EnvironmentName, type Manifest, type RoutingMode, synthManifests } from '../src';
import { isReleaseObject, writeHelmChart } from '../src/helm-chart';
import { configWithHelmValues, defaultHelmValues, HELM_STRING_VALUES } from '../src/synth';
import { KUBERNETES_VERSION, requireTool, toolPath } from '../src/tools';
import { repoRoot } from './support';

const chartDir = path.join(repoRoot, 'helm', 'chat');

function helm(args: string[]): string {
  const binary = requireTool(toolPath('helm'), 'build it with `npm run services -- install` (local/go-tools.txt)');
  return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HELM_CACHE_HOME: tmpdir(), HELM_CONFIG_HOME: tmpdir() } });
}

/** Objects by identity, for an order-independent comparison. */
function byIdentity(manifests: readonly Manifest[]): Record<string, Manifest> {
  return Object.fromEntries(manifests.map((m) => [`${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`, m]));
}

/** Values an operator would set, different from every default, so a placeholder left unset shows up. */
function customValues(environment: EnvironmentName): Record<string, string> {
  const values = defaultHelmValues(environment);
  const custom: Record<string, string> = {};
  for (const key of HELM_STRING_VALUES[environment]) custom[key] = String(values[key] ?? '');
  custom['images.registry'] = environment === 'dev' ? '' : '210987654321.dkr.ecr.us-east-1.amazonaws.com/team';
  custom['images.tag'] = '2.4.6';
  custom.host = `chat-${environment}.example.org`;
  if (environment === 'prod') {
    Object.assign(custom, {
      'tls.email': 'sre@example.org',
      'postgres.host': 'db.internal.example.org',
      'postgres.cidr': '10.42.0.0/16',
      'redis.host': 'cache.internal.example.org',
      'redis.cidr': '10.43.0.0/16',
      'externalSecrets.storeName': 'vault',
      'externalSecrets.remoteKey': 'apps/chat',
    });
  }
  return custom;
}

describe('Helm chart generated from the cdk8s app', () => {
  test('helm/chat is up to date with k8s/src (regenerate with `npm run synth -w @chat/k8s`)', () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'chart-'));
    try {
      writeHelmChart(fresh, '0.1.0');
      const files = (dir: string): string[] =>
        readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
          .sort();
      expect(files(chartDir)).toEqual(files(fresh));
      for (const file of files(fresh)) {
        expect({ file, text: readFileSync(path.join(chartDir, file), 'utf8') }).toEqual({ file, text: readFileSync(path.join(fresh, file), 'utf8') });
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  const setStrings = (values: Record<string, string>) => Object.entries(values).flatMap(([key, value]) => ['--set-string', `${key}=${value}`]);

  test.each(['dev', 'prod'] as const)('helm lint passes for %s with an operator\'s values', (environment) => {
    const valuesFile = path.join(chartDir, environment === 'dev' ? 'values-dev.yaml' : 'values.yaml');
    const output = helm(['lint', '--strict', chartDir, '-f', valuesFile, ...setStrings(customValues(environment)), `--kube-version=${KUBERNETES_VERSION}`]);
    expect(output).toContain('0 chart(s) failed');
  });

  test.each([
    ['images.registry', '123456789012'],
    ['host', 'chat.example.com'],
    ['tls.email', 'ops@example.com'],
    ['postgres.host', 'chat.cluster-example.eu-west-1.rds.amazonaws.com'],
  ])('helm install refuses the placeholder default of %s with a message naming it', (key, placeholder) => {
    const values = customValues('prod');
    delete values[key];
    expect(() => helm(['template', 'chat', chartDir, ...setStrings(values), `--kube-version=${KUBERNETES_VERSION}`])).toThrow(`${key} is still the placeholder ${placeholder}`);
  });

  test('replicas, HPA bounds, resources, nodeSelector, tolerations and pod annotations are values the schema checks', () => {
    const base = ['template', 'chat', chartDir, ...setStrings(customValues('prod')), `--kube-version=${KUBERNETES_VERSION}`];
    expect(() => helm([...base, '--set', 'gateway.minReplicas=two'])).toThrow(/gateway\/minReplicas/);
    expect(() => helm([...base, '--set', 'persister.resources.limits.cpu=lots'])).toThrow(/persister\/resources\/limits\/cpu/);
    expect(() => helm([...base, '--set', 'placement.tolerations[0].effect=Sometimes'])).toThrow(/tolerations/);
    expect(() => helm([...base, '--set', 'persister.replicas=49'])).toThrow(/exceeds the 48 partitions/);
    expect(() => helm([...base, '--set', 'gateway.minReplicas=40'])).toThrow(/minReplicas exceeds gateway.maxReplicas/);
    const rendered = helm([...base, '--set', 'persister.replicas=7', '--set', 'gateway.maxReplicas=12', '--set-string', 'podAnnotations.team=chat', '--set', 'placement.tolerations[0].key=dedicated,placement.tolerations[0].operator=Exists']);
    const docs = parseAllDocuments(rendered).map((d) => d.toJS() as any).filter(Boolean);
    const persister = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'chat-persister');
    expect(persister.spec.template.metadata.annotations).toEqual({ team: 'chat' });
    expect(persister.spec.template.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
    expect(persister.spec.replicas).toBeUndefined();
    expect(docs.find((d) => d.kind === 'ScaledObject' && d.metadata.name === 'chat-persister').spec.minReplicaCount).toBe(7);
    expect(docs.find((d) => d.kind === 'ScaledObject' && d.metadata.name === 'chat-gateway').spec.maxReplicaCount).toBe(12);
  });

  test('helm refuses an unknown environment (values schema)', () => {
    expect(() => helm(['template', 'chat', chartDir, '--set', 'environment=staging', `--kube-version=${KUBERNETES_VERSION}`])).toThrow(/environment/);
  });

  const cases: [EnvironmentName, RoutingMode][] = [
    ['dev', 'ingress'],
    ['dev', 'gateway-api'],
    ['prod', 'ingress'],
    ['prod', 'gateway-api'],
  ];
  test.each(cases)('helm template of %s with %s routing equals the cdk8s output for the same values', (environment, routing) => {
    const values: Record<string, unknown> = customValues(environment);
    const sets = Object.entries(values).flatMap(([key, value]) => ['--set-string', `${key}=${value}`]);
    // Structured values too, different from the defaults.
    const structured = { 'persister.replicas': 5, 'gateway.maxReplicas': 9, 'podAnnotations': { owner: 'sre' }, 'placement.nodeSelector': { pool: 'chat' } };
    if (environment === 'dev') Object.assign(structured, { 'persister.replicas': 2 });
    Object.assign(values, structured);
    const overrides = path.join(mkdtempSync(path.join(tmpdir(), 'values-')), 'overrides.yaml');
    writeFileSync(overrides, JSON.stringify({ persister: { replicas: structured['persister.replicas'] }, gateway: { maxReplicas: 9 }, podAnnotations: { owner: 'sre' }, placement: { nodeSelector: { pool: 'chat', 'chat.example.com/node-role': null } } }));
    const valuesFile = path.join(chartDir, environment === 'dev' ? 'values-dev.yaml' : 'values.yaml');
    const rendered = helm(['template', 'chat', chartDir, '-f', valuesFile, '-f', overrides, '--set', `routing=${routing}`, ...sets, `--kube-version=${KUBERNETES_VERSION}`]);
    const fromHelm = parseAllDocuments(rendered)
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
    const fromCdk8s = synthManifests(configWithHelmValues(environment, routing, values)).filter(isReleaseObject);
    expect(fromHelm.length).toBe(fromCdk8s.length);
    expect(byIdentity(fromHelm)).toEqual(JSON.parse(JSON.stringify(byIdentity(fromCdk8s))));
    expect(rendered).toContain(`chat-gateway:${values['images.tag']}`);
  });
});
