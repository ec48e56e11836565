import type { EnvironmentName, RoutingMode } from './config';
import { configFor } from './config';
import { synthManifests } from './synth';
import { isCustomResource, KUBERNETES_SCHEMA_DIR, vendorKubernetesSchemas } from './tools';

/**
 * `npm run schemas -w @chat/k8s`: refreshes k8s/schemas/kubernetes from the PyPI schema package,
 * keeping exactly the built-in kinds the app synthesizes in any environment and routing mode.
 * Run it after adding a kind of object (the schema test names the missing file).
 */
const kinds = (['dev', 'prod'] as EnvironmentName[])
  .flatMap((environment) => (['ingress', 'gateway-api'] as RoutingMode[]).map((routing) => configFor(environment, { routing })))
  .flatMap((config) => synthManifests(config))
  .filter((manifest) => !isCustomResource(manifest.apiVersion))
  .map(({ apiVersion, kind }) => ({ apiVersion, kind }));
const files = vendorKubernetesSchemas(kinds);
console.log(`${files.length} schemas and their definitions in ${KUBERNETES_SCHEMA_DIR}:\n  ${files.join('\n  ')}`);
