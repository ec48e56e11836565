import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './kafka-version';

/**
 * Environment variable naming the schema catalog the manifests are validated against: a folder with
 * `kubernetes/v<version>-local-strict/` (the Kubernetes built-in kinds, strict) and
 * `crds/<group>/<kind>_<version>.json` (upstream CRD schemas: Strimzi, Gateway API, Envoy Gateway,
 * Argo CD, Karpenter, KEDA, Kyverno, prometheus-operator, cert-manager, External Secrets, ...).
 * Default: `../shared/k8s-schemas` beside the repository root. The catalog is data of its own and is
 * never copied into the project. On a machine with the internet, the same data is public:
 * https://github.com/yannh/kubernetes-json-schema (built-in kinds, `v1.35.0-standalone-strict`) and
 * https://github.com/datreeio/CRDs-catalog (CRDs) — see docs/kubernetes.md.
 */
export const SCHEMA_CATALOG_ENV = 'K8S_SCHEMA_CATALOG';

/** The catalog folder: `$K8S_SCHEMA_CATALOG`, else `<repo root>/../shared/k8s-schemas`. */
export function schemaCatalogDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[SCHEMA_CATALOG_ENV];
  return configured ? path.resolve(configured) : path.resolve(REPO_ROOT, '..', 'shared', 'k8s-schemas');
}

/**
 * kubeconform's `-schema-location` templates for the catalog, built-in kinds first. Throws naming the
 * setting when the catalog is not there, so a test fails instead of validating against nothing.
 */
export function schemaLocations(kubernetesVersion: string, catalog = schemaCatalogDir()): string[] {
  const builtIn = path.join(catalog, 'kubernetes', `v${kubernetesVersion}-local-strict`);
  if (!existsSync(builtIn) || !existsSync(path.join(catalog, 'crds'))) {
    throw new Error(`No schema catalog at ${catalog} (needs kubernetes/v${kubernetesVersion}-local-strict and crds/): set ${SCHEMA_CATALOG_ENV} to its folder`);
  }
  return [
    `${catalog}/kubernetes/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    `${catalog}/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
  ];
}
