import path from 'node:path';
import fs from 'node:fs';
import {
  appProcess,
  releasePort,
  reservePort,
  isAlive,
  type ManagedProcess,
  nginxProcess,
  repoRoot,
  runningPid,
  startProcess,
  stopProcess,
} from '@chat/local';
import { createTestDatabase, createTopics, uniqueName, uniqueRedisPrefix } from './isolation';
import { type OwnServices, startOwnServices } from './own-services';
import { testServices } from './services';

/** One process of a running test system, with the controls fault tests need. */
export interface SystemProcess {
  name: string;
  port: number;
  /** Direct URL of the process (bypassing nginx). */
  url: string;
  /** SIGTERM and wait until it exited (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Start it again with the same configuration. */
  start(): Promise<void>;
  pid(): number | undefined;
}

export interface TestSystem {
  /** nginx in front of the gateways: the URL browsers and clients use. */
  baseUrl: string;
  gateways: (SystemProcess & { id: string })[];
  persister?: SystemProcess;
  /** The thumbnail worker (only with the `thumbnails` option). */
  thumbnails?: SystemProcess;
  /** The room assistant worker (only with the `assistant` option). */
  assistant?: SystemProcess;
  nginx?: SystemProcess;
  /** What the services were started with (database URL, topics, Redis prefix, JWT secret...). */
  env: Record<string, string>;
  databaseUrl: string;
  topics: { messages: string; deadLetter: string };
  /** The suite's own PostgreSQL, Redis and Kafka, with their controls (only with `ownServices: true`). */
  services?: OwnServices;
  /** Folder of this system's processes: `<name>.log` is each one's log. */
  dir: string;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /** How many gateways (ids g1, g2, ...). Default 2. */
  gateways?: number;
  /** Start the persister. Default true. */
  persister?: boolean;
  /** Put nginx in front. Default true. */
  nginx?: boolean;
  /** Extra environment for every process (rate limits, timeouts...). */
  env?: Record<string, string>;
  /**
   * Start a PostgreSQL, Redis and Kafka for this system alone (in its folder, on free ports) instead of
   * using the run's shared ones, so a fault suite can stop and restart them. Costs a Kafka start
   * (about 10 s). Default false.
   */
  ownServices?: boolean;
  /**
   * Start the room assistant worker, after the gateways, with this environment on top of the system's
   * (ASSISTANT_URL at least; GATEWAY_URL defaults to the first gateway). The gateways get ASSISTANT_NAME
   * from it too (default `assistant`), so GET /api/features announces it. Default: no assistant.
   */
  assistant?: { env: Record<string, string> };
  /** Start the thumbnail worker (gateway/dist/thumbnail-worker-main.js). Default false. */
  thumbnails?: boolean;
}

function control(p: ManagedProcess, port: number): SystemProcess {
  return {
    name: p.name,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => void (await stopProcess(p, 30_000)),
    kill: async () => {
      const pid = runningPid(p);
      if (pid === undefined) return;
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
      fs.rmSync(path.join(p.dir, `${p.name}.pid`), { force: true });
    },
    start: async () => void (await startProcess(p)),
    pid: () => runningPid(p),
  };
}

/**
 * Starts the platform for one test suite: its own database, topics and Redis prefix, on the run's
 * PostgreSQL, Redis and Kafka; gateways and the persister from their build output; nginx in front.
 */
export async function startSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const services = testServices();
  const name = uniqueName('sys');
  const dir = path.join(services.runDir, name);
  const own = options.ownServices ? await startOwnServices(path.join(dir, 'services')) : undefined;
  let databaseUrl: string;
  let messages: string | undefined;
  let deadLetter: string | undefined;
  try {
    databaseUrl = own ? own.env.DATABASE_URL : await createTestDatabase('sys');
    [messages, deadLetter] = await createTopics(
      [
        { prefix: 'messages', partitions: 6 },
        { prefix: 'dlq', partitions: 1 },
      ],
      own?.env,
    );
  } catch (error) {
    await own?.stop();
    throw error;
  }
  // Reserved machine-wide, not only free now: nginx's port is chosen first (presigned URLs name it, as
  // the browser reaches the store through nginx) and bound only once the gateways run, and another
  // suite's system starting meanwhile must not be handed it (its persister once answered for nginx).
  const reserved: number[] = [];
  const reserve = async () => {
    const port = await reservePort();
    reserved.push(port);
    return port;
  };
  const nginxPort = options.nginx !== false ? await reserve() : undefined;
  const env: Record<string, string> = {
    ...services.env,
    ...own?.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    DATABASE_URL: databaseUrl,
    KAFKA_MESSAGES_TOPIC: messages!,
    KAFKA_DLQ_TOPIC: deadLetter!,
    KAFKA_GROUP_ID: `${name}-persister`,
    ASSISTANT_GROUP_ID: `${name}-assistant`,
    THUMBNAIL_GROUP_ID: `${name}-thumbnails`,
    ...(options.assistant ? { ASSISTANT_NAME: options.assistant.env.ASSISTANT_NAME ?? 'assistant' } : {}),
    REDIS_KEY_PREFIX: uniqueRedisPrefix(),
    // The suite's own bucket on the run's object store, made by the gateways at start.
    S3_BUCKET: name.replace(/_/g, '-'),
    S3_CREATE_BUCKET: 'true',
    ...(nginxPort !== undefined && services.env.S3_ENDPOINT ? { S3_PUBLIC_ENDPOINT: `http://127.0.0.1:${nginxPort}` } : {}),
    JWT_SECRET: `test-secret-${name}-0123456789abcdef`,
    SERVICE_TOKEN_SECRET: `test-service-secret-${name}-0123456789abcdef`,
    SHUTDOWN_GRACE_MS: '2000',
    // The jest project `gateway-sharded` runs the realtime suites again with room-sharded fan-out.
    ...(process.env.TEST_FANOUT_MODE ? { FANOUT_MODE: process.env.TEST_FANOUT_MODE } : {}),
    ...options.env,
  };

  const stopAll: (() => Promise<void>)[] = [];
  const system: TestSystem = {
    baseUrl: '',
    gateways: [],
    env,
    databaseUrl,
    topics: { messages: messages!, deadLetter: deadLetter! },
    services: own,
    dir,
    stop: async () => {
      await Promise.all(stopAll.map((stop) => stop()));
      for (const port of reserved) releasePort(port);
      // The services last: the apps' clean shutdown still talks to them.
      await own?.stop();
    },
  };
  try {
    if (options.persister !== false) {
      const port = await reserve();
      const p = appProcess({ app: 'persister', name: 'persister', dir, port, env: { ...env, PERSISTER_PORT: String(port) } });
      await startProcess(p);
      system.persister = control(p, port);
      stopAll.push(system.persister.stop);
    }
    if (options.thumbnails) {
      const port = await reserve();
      const p = appProcess({ app: 'gateway', script: 'thumbnail-worker-main.js', name: 'thumbnails', dir, port, env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
      await startProcess(p);
      system.thumbnails = control(p, port);
      stopAll.push(system.thumbnails.stop);
    }
    for (let i = 1; i <= (options.gateways ?? 2); i++) {
      const id = `g${i}`;
      const port = await reserve();
      const p = appProcess({ app: 'gateway', name: `gateway-${id}`, dir, port, env: { ...env, PORT: String(port), HOST: '127.0.0.1', GATEWAY_ID: id } });
      await startProcess(p);
      const gateway = { ...control(p, port), id };
      system.gateways.push(gateway);
      stopAll.push(gateway.stop);
    }
    if (options.assistant) {
      const port = await reserve();
      const gatewayUrl = system.gateways[0]?.url ?? '';
      const p = appProcess({ app: 'assistant', name: 'assistant', dir, port, env: { ...env, GATEWAY_URL: gatewayUrl, ...options.assistant.env, ASSISTANT_PORT: String(port) } });
      await startProcess(p);
      system.assistant = control(p, port);
      stopAll.push(system.assistant.stop);
    }
    if (nginxPort !== undefined) {
      const port = nginxPort;
      const p = nginxProcess({
        dir: path.join(dir, 'nginx'),
        port,
        gateways: system.gateways.map((g) => ({ id: g.id, port: g.port })),
        webRoot: path.join(repoRoot, 'web', 'dist'),
        ...(env.S3_ENDPOINT ? { objectStore: { url: env.S3_ENDPOINT, bucket: env.S3_BUCKET!, maxBodyBytes: Number(env.FILE_MAX_BYTES ?? 25 * 1024 * 1024) } } : {}),
      });
      await startProcess(p);
      system.nginx = control(p, port);
      stopAll.push(system.nginx.stop);
      system.baseUrl = `http://127.0.0.1:${port}`;
    } else {
      system.baseUrl = system.gateways[0]?.url ?? '';
    }
    return system;
  } catch (error) {
    await system.stop();
    throw error;
  }
}
