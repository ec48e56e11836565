// Every environment the platform hands a service (the generated ConfigMaps and pod env, the compose
// file) goes through that service's own config schema: a misspelt variable fails here instead of
// silently falling back to its default in production.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { assistantEnvironment } from '@chat/assistant';
import { gatewayEnvironment } from '@chat/gateway';
import { persisterEnvironment } from '@chat/persister';
import { type EnvironmentSchema, parseEnvironment, PROBES, unknownVariables } from '@chat/service-kit';
import { parse as parseYaml } from 'yaml';
import { devConfig, type Manifest, prodConfig, synthManifests } from '../src';
import { find, openAiAssistant, repoRoot } from './support';

const SCHEMAS: Record<string, EnvironmentSchema> = { gateway: gatewayEnvironment, persister: persisterEnvironment, assistant: assistantEnvironment };

/** Stand-ins for the values Kubernetes fills in at run time (Secret keys, the pod name). */
const RUNTIME_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgresql://chat:secret@chat-postgres:5432/chat',
  // Prod: ElastiCache with TLS and its AUTH token, from the secret store.
  REDIS_URL: 'rediss://:auth-token@chat-prod-valkey.cache.amazonaws.com:6379',
  JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
  SERVICE_TOKEN_SECRET: 'a-service-token-secret-of-at-least-32-chars',
  ASSISTANT_API_KEY: 'sk-test',
  GATEWAY_ID: 'chat-gateway-7d9f8-abcde',
  // Prod: the KafkaUser's SCRAM password, from the Secret Strimzi's User Operator writes.
  KAFKA_SASL_PASSWORD: 'scram-password-of-the-user',
  // Dev: the in-cluster object store's keys, from chat-secrets.
  S3_ACCESS_KEY_ID: 'chat-dev',
  S3_SECRET_ACCESS_KEY: 'chat-dev-secret-key',
};

const assistant = openAiAssistant(1);

/** One service's environment, with where each variable comes from. */
interface ServiceEnvironment {
  service: string;
  environment: Record<string, string>;
  /** Variables of sources shared by several services: each must be read by at least one of them. */
  shared: string[];
}

/** The environment of each service's Deployment: its ConfigMaps (envFrom) and its own env entries. */
function kubernetesEnvironments(manifests: Manifest[]): ServiceEnvironment[] {
  return Object.keys(SCHEMAS)
    .filter((service) => manifests.some((m) => m.kind === 'Deployment' && m.metadata.name === `chat-${service}`))
    .map((service) => {
      const container = find(manifests, 'Deployment', `chat-${service}`).spec.template.spec.containers[0];
      const environment: Record<string, string> = {};
      const shared: string[] = [];
      for (const source of container.envFrom ?? []) {
        const data: Record<string, string> = find(manifests, 'ConfigMap', source.configMapRef.name).data ?? {};
        Object.assign(environment, data);
        // chat-config is mounted by every service; the others belong to one.
        if (source.configMapRef.name === 'chat-config') shared.push(...Object.keys(data));
      }
      for (const entry of container.env ?? []) {
        const value = entry.value ?? RUNTIME_VALUES[entry.name];
        if (value === undefined) throw new Error(`no stand-in for ${service}'s ${entry.name} (from ${JSON.stringify(entry.valueFrom)})`);
        environment[entry.name] = value;
      }
      return { service, environment, shared };
    });
}

/** `${NAME:-default}`, `${NAME:?message}` and `${NAME}` as compose interpolates them from .env. */
function interpolate(value: unknown, dotEnv: Record<string, string>): string {
  return String(value).replace(/\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
    const set = dotEnv[name];
    if (set !== undefined && set !== '') return set;
    if (whole.includes(':?')) throw new Error(`compose needs ${name} in .env`);
    return fallback ?? '';
  });
}

/**
 * Each compose service's environment, interpolated from .env.example with the one step the README adds
 * (cp .env.example .env, then set JWT_SECRET: the published one is refused).
 */
function composeEnvironments(): ServiceEnvironment[] {
  const dotEnv = Object.fromEntries(
    readFileSync(path.join(repoRoot, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  dotEnv.JWT_SECRET = RUNTIME_VALUES.JWT_SECRET!;
  // The store's secret: the `secrets` one-shot generates it and the services' entrypoint exports it.
  dotEnv.S3_SECRET_ACCESS_KEY = RUNTIME_VALUES.S3_SECRET_ACCESS_KEY!;
  const compose = parseYaml(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true });
  const shared = Object.keys(compose['x-service-env']);
  const services: [string, string][] = [['gateway-1', 'gateway'], ['gateway-2', 'gateway'], ['gateway-3', 'gateway'], ['persister', 'persister'], ['assistant', 'assistant']];
  return services.map(([name, service]) => {
    const raw: Record<string, unknown> = compose.services[name].environment;
    return { service, environment: Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, interpolate(value, dotEnv)])), shared };
  });
}

/** The variables nobody reads: unknown to this service, and (for shared sources) to every service. */
function unreadVariables({ service, environment, shared }: ServiceEnvironment): string[] {
  return unknownVariables(SCHEMAS[service]!, environment).filter((name) => !shared.includes(name) || !Object.values(SCHEMAS).some((schema) => name in schema.shape));
}

const cases: [string, ServiceEnvironment][] = [
  ...kubernetesEnvironments(synthManifests(devConfig({ assistant }))).map((e): [string, ServiceEnvironment] => [`Kubernetes dev ${e.service}`, e]),
  ...kubernetesEnvironments(synthManifests(prodConfig({ assistant }))).map((e): [string, ServiceEnvironment] => [`Kubernetes prod ${e.service}`, e]),
  ...kubernetesEnvironments(synthManifests(prodConfig())).map((e): [string, ServiceEnvironment] => [`Kubernetes prod (no assistant) ${e.service}`, e]),
  ...composeEnvironments().map((e): [string, ServiceEnvironment] => [`compose ${e.service}`, e]),
];

describe('the environments the platform generates', () => {
  test('cover every service in Kubernetes and compose', () => {
    expect(cases.map(([name]) => name)).toEqual(expect.arrayContaining(['Kubernetes prod gateway', 'Kubernetes prod persister', 'Kubernetes prod assistant', 'compose gateway', 'compose persister', 'compose assistant']));
  });

  test.each(cases)('%s: every variable is one the service reads, and the whole passes its schema', (_name, env) => {
    expect(unreadVariables(env)).toEqual([]);
    expect(() => parseEnvironment(SCHEMAS[env.service]!, env.environment, { service: env.service })).not.toThrow();
  });

  test('a misspelt variable is caught', () => {
    const [, gateway] = cases.find(([name]) => name === 'Kubernetes prod gateway')!;
    expect(unreadVariables({ ...gateway, environment: { ...gateway.environment, MESAGE_RATE_LIMIT: '5' } })).toEqual(['MESAGE_RATE_LIMIT']);
  });
});

describe('the probes of the services', () => {
  // The local supervisor applies PROBES.liveness as a kubelet applies the Deployment's: they must agree.
  test.each(['chat-gateway', 'chat-persister', 'chat-assistant'])('%s declares the liveness and readiness settings of PROBES', (name) => {
    const container = find(synthManifests(prodConfig({ assistant })), 'Deployment', name).spec.template.spec.containers[0];
    for (const [probe, settings] of [
      [container.livenessProbe, PROBES.liveness],
      [container.readinessProbe, PROBES.readiness],
    ] as const) {
      expect(probe).toMatchObject({
        httpGet: { path: settings.path },
        periodSeconds: settings.periodSeconds,
        timeoutSeconds: settings.timeoutSeconds,
        failureThreshold: settings.failureThreshold,
      });
    }
  });
});
