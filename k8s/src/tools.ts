import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** Where the Go tools of local/go-tools.txt are built (`GOBIN`). */
export function toolPath(name: 'helm' | 'kubeconform'): string {
  return path.join(TOOLS_DIR, 'bin', name);
}

/** Root of the offline Kubernetes schemas, in kubeconform's `<version>-local-strict/<kind>-<group>-<version>.json` layout. */
export const KUBERNETES_SCHEMA_ROOT = path.join(TOOLS_DIR, 'kubernetes-json-schema');

/** The folder of the target version's strict schemas. */
export const KUBERNETES_SCHEMA_DIR = path.join(KUBERNETES_SCHEMA_ROOT, `v${KUBERNETES_VERSION}-local-strict`);

/** Hand-written schemas of the custom resources' required fields (Strimzi, cert-manager, ...), in the repository. */
export const CRD_SCHEMA_DIR = path.join(REPO_ROOT, 'k8s', 'schemas', 'crds');

/**
 * Downloads the schema wheel with pip (no dependencies, nothing installed into Python) and
 * unpacks the target version's strict schemas. The wheel's schemas carry an `$id` on
 * kubernetes.io and absolute `$ref`s to it; they are rewritten to file-relative references so that
 * kubeconform resolves them offline.
 */
export function installKubernetesSchemas(): void {
  if (existsSync(path.join(KUBERNETES_SCHEMA_DIR, '_definitions.json'))) return;
  const work = mkdtempSync(path.join(tmpdir(), 'k8s-schemas-'));
  try {
    execFileSync('python3', ['-m', 'pip', 'download', '--no-deps', '--quiet', '-d', work, `${SCHEMA_PACKAGE.name}==${SCHEMA_PACKAGE.version}`], { stdio: 'inherit' });
    const wheel = readdirSync(work).find((file) => file.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel of ${SCHEMA_PACKAGE.name}`);
    const prefix = `kubernetes_validate/kubernetes-json-schema/v${KUBERNETES_VERSION}-local-strict/`;
    execFileSync('python3', ['-c', UNZIP_PREFIX, path.join(work, wheel), prefix, path.join(work, 'out')], { stdio: 'inherit' });
    const staged = path.join(work, 'out');
    for (const file of readdirSync(staged)) {
      const schema = JSON.parse(readFileSync(path.join(staged, file), 'utf8')) as Record<string, unknown>;
      delete schema.$id;
      writeFileSync(path.join(staged, file), JSON.stringify(schema).replaceAll('"/api/_definitions.json#', '"_definitions.json#'));
    }
    mkdirSync(KUBERNETES_SCHEMA_ROOT, { recursive: true });
    rmSync(KUBERNETES_SCHEMA_DIR, { recursive: true, force: true });
    renameSync(staged, KUBERNETES_SCHEMA_DIR);
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
