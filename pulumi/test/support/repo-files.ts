/** Helpers for tests that read the repository's YAML and run its Go tools. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../../src/gitops/cli';
import { parseYamlDocuments } from '../../src/gitops/yaml-documents';

export { REPO_ROOT };

/** Every file under a folder of the repository, relative to the repository root, sorted. */
export function filesUnder(relativeDir: string, suffixes: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir))) {
      const rel = path.posix.join(dir, entry);
      if (statSync(path.join(REPO_ROOT, rel)).isDirectory()) walk(rel);
      else if (suffixes.some((s) => entry.endsWith(s))) out.push(rel);
    }
  };
  walk(relativeDir);
  return out.sort();
}

/** Parses every YAML document of a repository file. */
export function readYaml(relative: string): unknown[] {
  return parseYamlDocuments(readFileSync(path.join(REPO_ROOT, relative), 'utf8'), relative);
}

/** Whether a path (relative to the repository root) exists. */
export function repoPathExists(relative: string): boolean {
  return existsSync(path.join(REPO_ROOT, relative));
}

/**
 * Path of a Go tool built from local/go-tools.txt into .data/tools/bin; throws (failing the test,
 * never skipping it) when it has not been built.
 */
export function goTool(name: string): string {
  const binary = path.join(REPO_ROOT, '.data', 'tools', 'bin', name);
  if (!existsSync(binary)) {
    throw new Error(`${name} is missing at ${binary}: build the tools of local/go-tools.txt with \`npm run services -- install\` (npm test does it first)`);
  }
  return binary;
}
