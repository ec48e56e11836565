import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { configFor, type EnvironmentName, type PlatformConfig, type RoutingMode } from './config';
import { HELM_STRUCTURED_VALUES } from './helm-values';
import { PlatformChart } from './platform-chart';

/** One synthesized Kubernetes object. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Every object of the platform for one configuration, in synthesis order. */
export function synthManifests(config: PlatformConfig): Manifest[] {
  const app = new App();
  const chart = new PlatformChart(app, `chat-${config.environment}`, config);
  return chart.toJson() as Manifest[];
}

/** The objects as one multi-document YAML file. */
/** YAML 1.1 like kubectl and Helm read it: strings such as "yes" and "on" come out quoted. */
export function toYaml(manifests: readonly Manifest[]): string {
  return manifests.map((manifest) => stringify(manifest, { lineWidth: 0, version: '1.1' })).join('---\n');
}

/**
 * The string values a Helm release may set (`--set host=...`), by their path in values.yaml. The
 * structured ones (replicas, HPA bounds, resources, nodeSelector, tolerations, pod annotations) are
 * in helm-values.ts; everything else stays in config.ts: changing it means re-running the synth, so
 * that the chart and the cdk8s output can never diverge.
 */
export const HELM_STRING_VALUES = {
  dev: ['images.registry', 'images.tag', 'host'],
  prod: [
    'images.registry',
    'images.tag',
    'host',
    'tls.email',
    'postgres.host',
    'postgres.cidr',
    'redis.host',
    'redis.cidr',
    'externalSecrets.storeName',
    'externalSecrets.remoteKey',
  ],
} as const satisfies Record<EnvironmentName, readonly string[]>;

/** Helm values of an environment as a flat path -> value map: the string values, and optionally the structured ones (helm-values.ts). */
export type HelmStringValues = Record<string, unknown>;

/**
 * The configuration of an environment with the Helm string values applied: the one mapping from
 * values.yaml to {@link PlatformConfig}, used both to generate the chart (with placeholders) and
 * to check it (with real values).
 */
export function configWithHelmValues(environment: EnvironmentName, routing: RoutingMode, values: HelmStringValues): PlatformConfig {
  let base = configFor(environment, { routing });
  // Structured values first (replicas, resources, placement); absent ones keep the preset's.
  for (const structured of HELM_STRUCTURED_VALUES) {
    if (values[structured.path] !== undefined) base = { ...base, ...structured.apply(base, values[structured.path]) };
  }
  const { gateway, persister, web, placement, podAnnotations } = base;
  const value = (path: string): string => {
    const found = values[path];
    if (found === undefined) throw new Error(`Helm value ${path} is missing`);
    return String(found);
  };
  const images = { ...base.images, registry: value('images.registry'), tag: value('images.tag') };
  const structural = { gateway, persister, web, placement, podAnnotations };
  if (environment === 'dev') return configFor('dev', { routing, images, host: value('host'), ...structural });
  return configFor('prod', {
    routing,
    ...structural,
    images,
    host: value('host'),
    tls: base.tls.issuer === 'letsencrypt' ? { ...base.tls, email: value('tls.email') } : base.tls,
    postgres: { mode: 'external', host: value('postgres.host'), port: 5432, cidr: value('postgres.cidr') },
    redis: { mode: 'external', host: value('redis.host'), port: 6379, cidr: value('redis.cidr') },
    secrets: { kind: 'external-secrets', storeName: value('externalSecrets.storeName'), remoteKey: value('externalSecrets.remoteKey') },
  });
}

/** The default Helm string values of an environment: the ones its cdk8s preset uses. */
export function defaultHelmValues(environment: EnvironmentName): HelmStringValues {
  const config = configFor(environment);
  const values: HelmStringValues = { 'images.registry': config.images.registry, 'images.tag': config.images.tag, host: config.host };
  for (const structured of HELM_STRUCTURED_VALUES) values[structured.path] = structured.read(config);
  if (environment === 'prod') {
    if (config.tls.issuer === 'letsencrypt') values['tls.email'] = config.tls.email;
    if (config.postgres.mode === 'external') Object.assign(values, { 'postgres.host': config.postgres.host, 'postgres.cidr': config.postgres.cidr });
    if (config.redis.mode === 'external') Object.assign(values, { 'redis.host': config.redis.host, 'redis.cidr': config.redis.cidr });
    if (config.secrets.kind === 'external-secrets') {
      Object.assign(values, { 'externalSecrets.storeName': config.secrets.storeName, 'externalSecrets.remoteKey': config.secrets.remoteKey });
    }
  }
  return values;
}
