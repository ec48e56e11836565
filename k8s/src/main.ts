import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { configFor, type EnvironmentName } from './config';
import { writeHelmChart } from './helm-chart';
import { REPO_ROOT } from './kafka-version';
import { synthOutputFile } from './outputs';
import { synthManifests, toYaml } from './synth';

/**
 * `npm run synth -w @chat/k8s`: writes k8s/cdk8s.out/<env>.k8s.yaml for dev and prod (what
 * Skaffold and kubectl apply) and regenerates the Helm chart in helm/chat.
 * Environment variables IMAGE_REGISTRY and IMAGE_TAG override the presets' image coordinates.
 */
function main(): void {
  for (const environment of ['dev', 'prod'] as EnvironmentName[]) {
    const preset = configFor(environment);
    const images = {
      ...preset.images,
      registry: process.env.IMAGE_REGISTRY ?? preset.images.registry,
      tag: process.env.IMAGE_TAG ?? preset.images.tag,
    };
    const file = synthOutputFile(environment);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, toYaml(synthManifests(configFor(environment, { images }))));
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
  writeHelmChart(path.join(REPO_ROOT, 'helm', 'chat'), configFor('prod').images.tag);
  console.log('wrote helm/chat');
}

main();
