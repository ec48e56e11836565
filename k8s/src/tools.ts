import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './kafka-version';

/** Kubernetes version of the target cluster (EKS 1.35), the one the manifests are validated against. */
export const KUBERNETES_VERSION = '1.35.0';

/**
 * PyPI package whose wheel ships the Kubernetes JSON schemas per minor version (converted from the
 * OpenAPI documents of each release). Only its data is used, never its Python code.
 */
export const SCHEMA_PACKAGE = { name: 'kubernetes-validate', version: '1.35.0' } as const;

const TOOLS_DIR = path.join(REPO_ROOT, '.data', 'tools');

/**
 * Where the Go tools of local/go-tools.txt are built (`GOBIN`). `cmd` is compose-go's Compose
 * Specification validator: go install names a binary after its package folder.
 */
export function toolPath(name: 'helm' | 'kubeconform' | 'cmd'): string {
  return path.join(TOOLS_DIR, 'bin', name);
}

/**
 * Root of the Kubernetes schemas kept in the repository (kubeconform's
 * `<version>-local-strict/<kind>-<group>-<version>.json` layout), so validation needs no download.
 */
export const KUBERNETES_SCHEMA_ROOT = path.join(REPO_ROOT, 'k8s', 'schemas', 'kubernetes');

/** The folder of the target version's strict schemas. */
export const KUBERNETES_SCHEMA_DIR = path.join(KUBERNETES_SCHEMA_ROOT, `v${KUBERNETES_VERSION}-local-strict`);

/** Hand-written schemas of the custom resources' required fields (Strimzi, cert-manager, ...), in the repository. */
export const CRD_SCHEMA_DIR = path.join(REPO_ROOT, 'k8s', 'schemas', 'crds');

/** Whether objects of this apiVersion are custom resources, validated by k8s/schemas/crds (one folder per API group). */
export function isCustomResource(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return Boolean(group) && existsSync(path.join(CRD_SCHEMA_DIR, group as string));
}

/** kubeconform's file name of a built-in kind's schema: `deployment-apps-v1.json`, `service-v1.json`. */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const groupPart = group ? `-${(group as string).split('.')[0]}` : '';
  return `${kind.toLowerCase()}${groupPart}-${version}.json`;
}

type JsonSchema = Record<string, unknown>;

/** Removes `description` texts (documentation only) to keep the vendored files small. */
function withoutDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'description' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDescriptions(value)]),
  );
}

const DEFINITION_REF = /#\/\$defs\/([^"]+)"/g;

/**
 * Downloads the schema wheel with pip (no dependencies, nothing installed into Python) and keeps
 * the schemas of the given built-in kinds (`apiVersion` + `kind`) with the definitions they
 * reference, transitively. The wheel's schemas carry an `$id` on kubernetes.io and absolute
 * `$ref`s to it: they are rewritten to file-relative references so that kubeconform resolves
 * them offline.
 */
export function vendorKubernetesSchemas(kinds: readonly { apiVersion: string; kind: string }[]): string[] {
  const work = mkdtempSync(path.join(tmpdir(), 'k8s-schemas-'));
  try {
    execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--quiet', '-d', work, `${SCHEMA_PACKAGE.name}==${SCHEMA_PACKAGE.version}`], { stdio: 'inherit' });
    const wheel = readdirSync(work).find((file) => file.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel of ${SCHEMA_PACKAGE.name}`);
    const staged = path.join(work, 'out');
    const prefix = `kubernetes_validate/kubernetes-json-schema/v${KUBERNETES_VERSION}-local-strict/`;
    execFileSync('python3', ['-c', UNZIP_PREFIX, path.join(work, wheel), prefix, staged], { stdio: 'inherit' });

    const load = (file: string): JsonSchema => JSON.parse(readFileSync(path.join(staged, file), 'utf8')) as JsonSchema;
    const definitions = load('_definitions.json').$defs as Record<string, unknown>;
    const files = [...new Set(kinds.map(({ apiVersion, kind }) => schemaFileName(apiVersion, kind)))].sort();
    const needed = new Set<string>();
    const visit = (schema: unknown): void => {
      for (const [, name] of JSON.stringify(schema).matchAll(DEFINITION_REF)) {
        if (name === undefined || needed.has(name)) continue;
        needed.add(name);
        visit(definitions[name]);
      }
    };
    const kindSchemas = files.map((file) => {
      if (!existsSync(path.join(staged, file))) throw new Error(`${SCHEMA_PACKAGE.name} has no ${file} for Kubernetes ${KUBERNETES_VERSION}`);
      const schema = load(file);
      delete schema.$id;
      visit(schema);
      return [file, schema] as const;
    });
    const pruned = Object.fromEntries([...needed].sort().map((name) => [name, definitions[name]]));

    rmSync(KUBERNETES_SCHEMA_DIR, { recursive: true, force: true });
    mkdirSync(KUBERNETES_SCHEMA_DIR, { recursive: true });
    const write = (file: string, schema: unknown): void => {
      const text = JSON.stringify(withoutDescriptions(schema)).replaceAll('"/api/_definitions.json#', '"_definitions.json#');
      writeFileSync(path.join(KUBERNETES_SCHEMA_DIR, file), `${text}\n`);
    };
    for (const [file, schema] of kindSchemas) write(file, schema);
    write('_definitions.json', { $schema: 'https://json-schema.org/draft/2020-12/schema', $defs: pruned });
    return files;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Extracts the members of a zip under a prefix into a flat folder (Python's zipfile: no unzip needed). */
const UNZIP_PREFIX = `
import os, sys, zipfile
wheel, prefix, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith('/'):
            with open(os.path.join(out, name[len(prefix):]), 'wb') as target:
                target.write(archive.read(name))
`;

/** Fails with the command that installs a missing tool, instead of letting a test skip. */
export function requireTool(file: string, installHint: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${installHint}`);
  return file;
}
