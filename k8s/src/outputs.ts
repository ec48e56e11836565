import * as path from 'node:path';
import type { EnvironmentName } from './config';
import { REPO_ROOT } from './kafka-version';

/** File that `npm run synth` writes for an environment, and that Skaffold and kubectl apply. */
export function synthOutputFile(environment: EnvironmentName): string {
  return path.join(REPO_ROOT, 'k8s', 'cdk8s.out', `${environment}.k8s.yaml`);
}
