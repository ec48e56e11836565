import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './kafka-version';

/** Kubernetes version of the target cluster (EKS 1.35), the one the manifests are validated against. */
export const KUBERNETES_VERSION = '1.35.0';

const TOOLS_DIR = path.join(REPO_ROOT, '.data', 'tools');

/**
 * Where the Go tools of local/go-tools.txt are built (`GOBIN`). `cmd` is compose-go's Compose
 * Specification validator: go install names a binary after its package folder.
 */
export function toolPath(name: 'helm' | 'kubeconform' | 'cmd'): string {
  return path.join(TOOLS_DIR, 'bin', name);
}

/** Fails with the command that installs a missing tool, instead of letting a test skip. */
export function requireTool(file: string, installHint: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${installHint}`);
  return file;
}
