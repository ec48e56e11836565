import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The repository root (k8s/src or k8s/dist are two levels below it). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The Kafka version of the whole platform: the `kafka.version` property of local/kafka/pom.xml.
 * The local broker, docker-compose and the Strimzi `Kafka` resource all run this one version, so
 * the manifests read it from there instead of repeating it.
 */
export function readKafkaVersion(pomPath = path.join(REPO_ROOT, 'local', 'kafka', 'pom.xml')): string {
  const pom = readFileSync(pomPath, 'utf8');
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error(`No <kafka.version> property in ${pomPath}`);
  return match[1];
}
