import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configFor, type EnvironmentName, type Manifest, type RoutingMode, synthManifests, toYaml } from '../src';
import { CRD_SCHEMA_DIR, isCustomResource, KUBERNETES_SCHEMA_DIR, KUBERNETES_SCHEMA_ROOT, KUBERNETES_VERSION, requireTool, schemaFileName, toolPath } from '../src/tools';

const cases: [EnvironmentName, RoutingMode][] = [
  ['dev', 'ingress'],
  ['dev', 'gateway-api'],
  ['prod', 'ingress'],
  ['prod', 'gateway-api'],
];

interface KubeconformReport {
  resources: { filename: string; kind: string; name: string; status: string; msg: string }[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** Validates manifests offline against the target version's schemas (and the CRD required-field schemas). */
function kubeconform(manifests: readonly Manifest[]): KubeconformReport {
  const binary = requireTool(toolPath('kubeconform'), 'build it with `npm run services -- install` (local/go-tools.txt)');
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeconform-'));
  const file = path.join(dir, 'manifests.yaml');
  writeFileSync(file, toYaml(manifests));
  try {
    const args = [
      '-strict',
      '-summary',
      '-output=json',
      `-kubernetes-version=${KUBERNETES_VERSION}`,
      `-schema-location=${KUBERNETES_SCHEMA_ROOT}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      `-schema-location=${CRD_SCHEMA_DIR}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
      file,
    ];
    let stdout: string;
    try {
      stdout = execFileSync(binary, args, { encoding: 'utf8' });
    } catch (error) {
      // kubeconform exits 1 when something is invalid; its report is still on stdout.
      stdout = (error as { stdout?: string }).stdout ?? '';
      if (!stdout) throw error;
    }
    return JSON.parse(stdout) as KubeconformReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('validation against the Kubernetes 1.35 OpenAPI schemas (offline, kubeconform)', () => {
  test.each(cases)('k8s/schemas holds a schema for every kind %s (%s routing) synthesizes (else: npm run schemas -w @chat/k8s)', (environment, routing) => {
    const missing = synthManifests(configFor(environment, { routing }))
      .map(({ apiVersion, kind }) => ({ apiVersion, kind }))
      .filter(({ apiVersion, kind }) => {
        if (!isCustomResource(apiVersion)) return !existsSync(path.join(KUBERNETES_SCHEMA_DIR, schemaFileName(apiVersion, kind)));
        const [group, version] = apiVersion.split('/') as [string, string];
        return !existsSync(path.join(CRD_SCHEMA_DIR, group, `${kind.toLowerCase()}_${version}.json`));
      });
    expect(missing).toEqual([]);
  });

  test.each(cases)('every %s object (%s routing) is valid, custom resources included', (environment, routing) => {
    const manifests = synthManifests(configFor(environment, { routing }));
    const report = kubeconform(manifests);
    const problems = report.resources.filter((r) => r.status !== 'statusValid').map((r) => `${r.kind}/${r.name}: ${r.msg}`);
    expect(problems).toEqual([]);
    expect(report.summary).toEqual({ valid: manifests.length, invalid: 0, errors: 0, skipped: 0 });
  });

  test('a malformed Deployment and a Strimzi topic without a spec are rejected', () => {
    const [deployment] = synthManifests(configFor('dev')).filter((m) => m.kind === 'Deployment') as any[];
    const broken = { ...deployment, spec: { ...deployment.spec, replicas: 'three' } };
    const topic = { apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaTopic', metadata: { name: 'no-spec' } };
    const report = kubeconform([broken, topic] as Manifest[]);
    expect(report.summary.invalid).toBe(2);
  });
});
