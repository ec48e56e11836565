import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { configFor, type EnvironmentName, type Manifest, type RoutingMode, synthManifests } from '../src';
import { repoRoot } from './support';

/** Every environment and routing mode the app synthesizes. */
export const CASES: [EnvironmentName, RoutingMode][] = [
  ['dev', 'ingress'],
  ['dev', 'gateway-api'],
  ['prod', 'ingress'],
  ['prod', 'gateway-api'],
];

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) return yamlFilesUnder(file);
    return /\.ya?ml$/.test(entry) ? [file] : [];
  });
}

/**
 * The Kubernetes objects of the GitOps tree (gitops/**): Argo CD Applications and AppProjects, the
 * cluster configuration, platform components. Helm value files (no `kind`) are not objects.
 */
export function gitopsObjects(): { file: string; manifest: Manifest }[] {
  return yamlFilesUnder(path.join(repoRoot, 'gitops')).flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((doc): doc is Manifest => doc !== null && typeof doc === 'object' && 'kind' in doc && 'apiVersion' in doc)
      .map((manifest) => ({ file: path.relative(repoRoot, file), manifest })),
  );
}

/** Every object the project ships: both environments in both routing modes, and the GitOps tree. */
export function everyShippedObject(): Manifest[] {
  return [...CASES.flatMap(([environment, routing]) => synthManifests(configFor(environment, { routing }))), ...gitopsObjects().map(({ manifest }) => manifest)];
}

/** One object of each apiVersion and kind, the first seen. */
export function oneOfEachKind(manifests: readonly Manifest[]): Manifest[] {
  const seen = new Map<string, Manifest>();
  for (const manifest of manifests) {
    const key = `${manifest.apiVersion}/${manifest.kind}`;
    if (!seen.has(key)) seen.set(key, manifest);
  }
  return [...seen.values()];
}
