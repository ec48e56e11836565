import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { schemaCatalogDir, schemaLocations } from './schema-catalog';
import { type Manifest, toYaml } from './synth';
import { KUBERNETES_VERSION, requireTool, toolPath } from './tools';

/** kubeconform's JSON report (`-output=json -summary`). */
export interface KubeconformReport {
  readonly resources: readonly { filename: string; kind: string; name: string; status: string; msg: string }[];
  readonly summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/**
 * Validates objects offline and strictly (no unknown field, no duplicate key) against the schema
 * catalog's schemas of Kubernetes {@link KUBERNETES_VERSION} and of the custom resources. A kind
 * without a schema is an error, never skipped.
 */
export function kubeconform(manifests: readonly Manifest[]): KubeconformReport {
  const binary = requireTool(toolPath('kubeconform'), 'build it with `npm run services -- install --for-tests` (local/go-tools.txt)');
  const dir = mkdtempSync(path.join(tmpdir(), 'kubeconform-'));
  const file = path.join(dir, 'manifests.yaml');
  writeFileSync(file, toYaml(manifests));
  try {
    const args = [
      '-strict',
      '-summary',
      '-output=json',
      `-kubernetes-version=${KUBERNETES_VERSION}`,
      ...schemaLocations(KUBERNETES_VERSION).map((location) => `-schema-location=${location}`),
      file,
    ];
    let stdout: string;
    try {
      stdout = execFileSync(binary, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
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

/** The problems of a report, one `Kind/name: message` each (empty when everything is valid). */
export function problemsOf(report: KubeconformReport): string[] {
  return report.resources.filter((r) => r.status !== 'statusValid').map((r) => `${r.kind}/${r.name}: ${r.msg}`);
}

type JsonSchema = { properties?: Record<string, unknown> };

const objectMetaCache = new Map<string, Set<string>>();

/** Field names of ObjectMeta in the catalog's Kubernetes version (read once per catalog: the definitions file is large). */
function objectMetaFields(catalog: string): Set<string> {
  let fields = objectMetaCache.get(catalog);
  if (!fields) {
    const file = path.join(catalog, 'kubernetes', `v${KUBERNETES_VERSION}-local-strict`, 'objectmeta-meta-v1.json');
    fields = new Set(Object.keys((JSON.parse(readFileSync(file, 'utf8')) as JsonSchema).properties ?? {}));
    objectMetaCache.set(catalog, fields);
  }
  return fields;
}

/** Schema file of a custom resource in the catalog, or undefined for a built-in kind. */
function crdSchemaFile(catalog: string, apiVersion: string, kind: string): string | undefined {
  if (!apiVersion.includes('/')) return undefined;
  const [group, version] = apiVersion.split('/') as [string, string];
  const file = path.join(catalog, 'crds', group, `${kind.toLowerCase()}_${version}.json`);
  return existsSync(file) ? file : undefined;
}

/**
 * What kubeconform lets through on custom resources: CRD schemas leave the top level and `metadata`
 * open (the API server prunes or refuses there). Checks the top-level fields against the CRD schema
 * and the metadata fields against the strict ObjectMeta of the Kubernetes version.
 */
export function envelopeProblems(manifests: readonly Manifest[], catalog = schemaCatalogDir()): string[] {
  const objectMeta = objectMetaFields(catalog);
  return manifests.flatMap((manifest) => {
    const file = crdSchemaFile(catalog, manifest.apiVersion, manifest.kind);
    if (!file) return [];
    const topLevel = new Set(Object.keys((JSON.parse(readFileSync(file, 'utf8')) as JsonSchema).properties ?? {}));
    const where = `${manifest.kind}/${manifest.metadata.name}`;
    return [
      ...Object.keys(manifest).filter((key) => !topLevel.has(key)).map((key) => `${where}: additional property '${key}' not allowed`),
      ...Object.keys(manifest.metadata).filter((key) => !objectMeta.has(key)).map((key) => `${where}: additional property 'metadata.${key}' not allowed`),
    ];
  });
}

/** Every problem of a set of objects: kubeconform's, a kind without a schema, and the envelope of custom resources. */
export function schemaProblems(manifests: readonly Manifest[]): string[] {
  const report = kubeconform(manifests);
  const counted = report.summary.valid + report.summary.invalid + report.summary.errors;
  const missing = counted === manifests.length && report.summary.skipped === 0 ? [] : [`kubeconform checked ${counted} of ${manifests.length} objects (${report.summary.skipped} skipped)`];
  return [...problemsOf(report), ...envelopeProblems(manifests), ...missing];
}
