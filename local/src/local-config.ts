import path from 'node:path';
import { LocalStackError } from './errors';
import { dataRoot } from './paths';
import type { ServicesConfig } from './stack';

const port = (environment: NodeJS.ProcessEnv) => (name: string, fallback: number): number => {
  const raw = environment[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) throw new LocalStackError(`${name} must be a port number, not "${raw}"`);
  return value;
};

/** The local system's layout: ports from LOCAL_* variables (see .env.example), data in .data/local. */
export function localConfig(environment: NodeJS.ProcessEnv = process.env) {
  const num = port(environment);
  const services: ServicesConfig = {
    dir: path.join(dataRoot, 'local'),
    postgres: { port: num('LOCAL_POSTGRES_PORT', 5432), user: 'chat', password: 'chat', database: 'chat' },
    redis: { port: num('LOCAL_REDIS_PORT', 6379), persistent: true },
    kafka: { port: num('LOCAL_KAFKA_PORT', 9092), controllerPort: num('LOCAL_KAFKA_CONTROLLER_PORT', 9093) },
    // Fixed development keys: the store listens on 127.0.0.1 only.
    s3: { port: num('LOCAL_S3_PORT', 7070), accessKey: 'chat-local', secretKey: 'chat-local-secret-key', corsOrigin: `http://localhost:${num('LOCAL_HTTP_PORT', 8080)}` },
  };
  const firstGateway = num('LOCAL_GATEWAY_PORT', 3001);
  return {
    services,
    gateways: [
      { id: 'g1', port: firstGateway },
      { id: 'g2', port: firstGateway + 1 },
    ],
    persisterPort: num('LOCAL_PERSISTER_PORT', 3100),
    thumbnailsPort: num('LOCAL_THUMBNAILS_PORT', 3110),
    assistantPort: num('ASSISTANT_PORT', 3200),
    /** The room assistant runs only when a model endpoint is configured (ASSISTANT_URL). */
    assistant: environment.ASSISTANT_URL
      ? { name: environment.ASSISTANT_NAME || 'assistant', model: environment.ASSISTANT_MODEL || 'llama3.2', url: environment.ASSISTANT_URL }
      : undefined,
    /** Passed on to every service. */
    nodeEnv: environment.NODE_ENV || 'development',
    logLevel: environment.LOG_LEVEL || 'info',
    httpPort: num('LOCAL_HTTP_PORT', 8080),
    appsDir: path.join(dataRoot, 'local', 'apps'),
  };
}

/**
 * Which Node.js runs the local system and the tests (local/src/node-runtime.ts). The default, `lts`,
 * gives a machine whose Node.js is older than .nvmrc's major the pinned build from the npm registry, in
 * .data/tools, so that tests and services run on the release the images and CI run. `system` keeps the
 * one that runs npm.
 */
export function nodeSetting(environment: NodeJS.ProcessEnv = process.env): 'lts' | 'system' {
  const value = environment.LOCAL_NODE || 'lts';
  if (value !== 'lts' && value !== 'system') throw new LocalStackError(`LOCAL_NODE must be "lts" or "system", not "${value}"`);
  return value;
}

/**
 * `LOCAL_CPU_PROF_DIR=<dir>`: the folder the services write their `--cpu-prof` profiles to (local/src/apps.ts),
 * or undefined (no profiling, the default).
 */
export function cpuProfileDir(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  return environment.LOCAL_CPU_PROF_DIR || undefined;
}
