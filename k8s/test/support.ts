import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AssistantSettings, Manifest } from '../src';

/** The repository root, seen from the tests. */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** Kafka version of the local broker, read independently of the app's own reader. */
export function pomKafkaVersion(): string {
  const pom = readFileSync(path.join(repoRoot, 'local', 'kafka', 'pom.xml'), 'utf8');
  const version = pom.match(/<kafka\.version>([^<]+)<\/kafka\.version>/)?.[1];
  if (!version) throw new Error('local/kafka/pom.xml has no kafka.version');
  return version.trim();
}

/** The one object of a kind and name; fails when it is absent. */
export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest & Record<string, any> {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`No ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found as Manifest & Record<string, any>;
}

/** Pod templates of every workload (Deployment, StatefulSet, Job) with the workload's kind and name. */
export function podTemplates(manifests: readonly Manifest[]): { owner: string; template: any }[] {
  return manifests
    .filter((manifest) => ['Deployment', 'StatefulSet', 'Job', 'CronJob'].includes(manifest.kind))
    .map((manifest) => ({
      owner: `${manifest.kind}/${manifest.metadata.name}`,
      template: manifest.kind === 'CronJob' ? (manifest as any).spec.jobTemplate.spec.template : (manifest as any).spec.template,
    }));
}

/** Sorted "Kind/name" list, for comparing sets of objects. */
export function identities(manifests: readonly Manifest[]): string[] {
  return manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`).sort();
}

/** Whether a label selector's matchLabels all appear in a set of labels. */
export function selects(selector: { matchLabels?: Record<string, string> }, labels: Record<string, string>): boolean {
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

/** An assistant with a hosted OpenAI-compatible model: what the tests switch on (`replicas` varies). */
export function openAiAssistant(replicas: number): AssistantSettings {
  return {
    replicas,
    resources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    name: 'assistant',
    api: 'openai',
    url: 'https://llm.example.com/v1',
    model: 'gpt-4o-mini',
    timeoutMs: 60_000,
    maxTokens: 512,
    contextMessages: 20,
    modelEgress: { cidr: '0.0.0.0/0', port: 443 },
  };
}
