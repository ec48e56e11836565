import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  for (const key of HELM_STRING_VALUES[environment]) custom[key] = values[key] ?? '';
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

  test.each(['values.yaml', 'values-dev.yaml'])('helm lint passes with %s', (valuesFile) => {
    const output = helm(['lint', '--strict', chartDir, '-f', path.join(chartDir, valuesFile), `--kube-version=${KUBERNETES_VERSION}`]);
    expect(output).toContain('0 chart(s) failed');
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
    const values = customValues(environment);
    const sets = Object.entries(values).flatMap(([key, value]) => ['--set-string', `${key}=${value}`]);
    const valuesFile = path.join(chartDir, environment === 'dev' ? 'values-dev.yaml' : 'values.yaml');
    const rendered = helm(['template', 'chat', chartDir, '-f', valuesFile, '--set', `routing=${routing}`, ...sets, `--kube-version=${KUBERNETES_VERSION}`]);
    const fromHelm = parseAllDocuments(rendered)
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
    const fromCdk8s = synthManifests(configWithHelmValues(environment, routing, values)).filter(isReleaseObject);
    expect(fromHelm.length).toBe(fromCdk8s.length);
    expect(byIdentity(fromHelm)).toEqual(JSON.parse(JSON.stringify(byIdentity(fromCdk8s))));
    expect(rendered).toContain(`chat-gateway:${values['images.tag']}`);
  });
});
