import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROBES } from '@chat/service-kit';
import { appProcess, httpOk } from './apps';
import { LocalStackError } from './errors';
import { ensureInstalled } from './installer';
import { localConfig } from './local-config';
import { platformNode } from './node-runtime';
import { repoRoot } from './paths';
import { assertPortFree } from './ports';
import { type ManagedProcess, runningPid, startProcess, stopProcess } from './processes';
import { localSecrets } from './secrets';
import { nginxProcess } from './services/nginx';
import { migrate, type ServicesEnv, servicesEnv, startServices, stopServices } from './stack';
import { readRestartState, Supervisor } from './supervisor';

/** The bucket of files in the local object store (nginx serves it under /chat-files/). */
const LOCAL_BUCKET = 'chat-files';
/** The gateways' default FILE_MAX_BYTES: nginx lets uploads of that size through to the store. */
const LOCAL_FILE_MAX_BYTES = 25 * 1024 * 1024;

/** The workspaces the local system runs (their dependencies are built with them). */
const RUNNABLE = ['gateway', 'persister', 'assistant'];

/** Compiles the services the local system runs (tsc -b) and the web app. */
export function build(log: (line: string) => void): void {
  log(`building ${RUNNABLE.join(' and ')} (tsc -b) and the web app (vite build)`);
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', ...RUNNABLE], { cwd: repoRoot, stdio: 'inherit' });
    execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: repoRoot, stdio: 'inherit' });
  } catch {
    throw new LocalStackError('the build failed (its errors are above): fix them, then run the command again');
  }
}

/**
 * The local system's nginx (its configuration written from nginx/local.conf.template): in front of the
 * gateways, the web app and the files bucket. One place, so that a graceful reload with a fresh
 * configuration (the connections bench) keeps everything `up` routed.
 */
export function localNginx(c: ReturnType<typeof localConfig>, env: Pick<ServicesEnv, 'S3_ENDPOINT'>): ManagedProcess {
  return nginxProcess({
    dir: path.join(c.services.dir, 'nginx'),
    port: c.httpPort,
    gateways: c.gateways,
    webRoot: path.join(repoRoot, 'web', 'dist'),
    objectStore: { url: env.S3_ENDPOINT!, bucket: LOCAL_BUCKET, maxBodyBytes: LOCAL_FILE_MAX_BYTES },
  });
}

/**
 * Brings the whole system up: installs what is missing, builds, starts PostgreSQL, Redis, Kafka and the object store,
 * migrates the database, starts the persister, two gateways and nginx. Idempotent.
 */
export async function up(log: (line: string) => void = console.log): Promise<void> {
  const started = Date.now();
  const c = localConfig();
  ensureInstalled({ log });
  build(log);
  const env = await startServices(c.services, log);
  log(migrate(env.DATABASE_URL).trim());

  const common = appEnvironment(c, env);
  const apps = appProcesses(c, common).filter((p) => p.name !== 'assistant');
  for (const p of apps) {
    if (runningPid(p) === undefined) await assertPortFree(p.port, p.name);
  }
  // The local system's timer for the orphan sweep (production: a Kubernetes CronJob running the same script).
  apps.push({
    ...appProcess({ app: 'gateway', script: 'sweep-files-main.js', args: ['--every', String(3600_000)], name: 'file-sweep', dir: c.appsDir, port: 0, env: common, isReady: async () => true }),
    port: 0,
  });
  // One at a time: on two cores, parallel starts only slow each other down.
  for (const p of apps) {
    const result = await startProcess(p);
    log(`${p.name} ${result.started ? 'started' : 'already running'} (pid ${result.pid})`);
  }
  const nginx = localNginx(c, env);
  if (runningPid(nginx) === undefined) await assertPortFree(c.httpPort, 'nginx');
  await startProcess(nginx);
  if (!(await httpOk(c.httpPort))) throw new LocalStackError(`http://localhost:${c.httpPort}/readyz is not 200 after start`);
  if (c.assistant) {
    // After nginx: the worker is a Socket.IO client of the gateways, through it like a browser.
    const p = appProcesses(c, common).find((a) => a.name === 'assistant')!;
    if (runningPid(p) === undefined) await assertPortFree(c.assistantPort, p.name);
    const result = await startProcess(p);
    log(`assistant ${result.started ? 'started' : 'already running'} (pid ${result.pid}), answering @${common.ASSISTANT_NAME} with ${c.assistant.model} at ${c.assistant.url}`);
  }
  const supervisor = supervisorProcess(c);
  const supervised = await startProcess(supervisor);
  log(`supervisor ${supervised.started ? 'started' : 'already running'} (pid ${supervised.pid}): restarts a service that exits or stops answering ${PROBES.liveness.path}`);
  log(`the chat is up at http://localhost:${c.httpPort}/ (ready in ${((Date.now() - started) / 1000).toFixed(0)} s); \`npm stop\` stops it`);
}

type LocalConfig = ReturnType<typeof localConfig>;

/** What every service of the local system runs with: the services' addresses and the shared settings. */
function appEnvironment(c: LocalConfig, services: ServicesEnv) {
  return {
    ...services,
    // Generated on the first start and kept in the data folder: no secret of the repository is ever used.
    ...localSecrets(c.services.dir),
    NODE_ENV: c.nodeEnv,
    LOG_LEVEL: c.logLevel,
    CORS_ORIGIN: `http://localhost:${c.httpPort}`,
    S3_BUCKET: LOCAL_BUCKET,
    S3_CREATE_BUCKET: 'true',
    // Browsers reach the store through nginx, under /<bucket>/ (same origin, so the CSP stays 'self'):
    // presigned URLs name that address, and nginx passes them on unchanged (the signature covers the host).
    S3_PUBLIC_ENDPOINT: `http://localhost:${c.httpPort}`,
    // The gateways announce the assistant (GET /api/features) exactly when it runs.
    ASSISTANT_NAME: c.assistant ? c.assistant.name : '',
  };
}

/** The platform's own processes, with the port each answers on (the assistant only when configured). */
function appProcesses(c: LocalConfig, common: Record<string, string>): (ManagedProcess & { port: number })[] {
  return [
    { ...appProcess({ app: 'persister', name: 'persister', dir: c.appsDir, port: c.persisterPort, env: { ...common, PERSISTER_PORT: String(c.persisterPort) } }), port: c.persisterPort },
    ...c.gateways.map((g) => ({
      ...appProcess({ app: 'gateway', name: `gateway-${g.id}`, dir: c.appsDir, port: g.port, env: { ...common, PORT: String(g.port), HOST: '127.0.0.1', GATEWAY_ID: g.id } }),
      port: g.port,
    })),
    {
      ...appProcess({ app: 'gateway', script: 'thumbnail-worker-main.js', name: 'thumbnails', dir: c.appsDir, port: c.thumbnailsPort, env: { ...common, PORT: String(c.thumbnailsPort), HOST: '127.0.0.1' } }),
      port: c.thumbnailsPort,
    },
    ...(c.assistant
      ? [
          {
            ...appProcess({
              app: 'assistant',
              name: 'assistant',
              dir: c.appsDir,
              port: c.assistantPort,
              env: { ...common, ASSISTANT_PORT: String(c.assistantPort), GATEWAY_URL: `http://127.0.0.1:${c.httpPort}` },
            }),
            port: c.assistantPort,
          },
        ]
      : []),
  ];
}

/** The supervisor, itself a detached process of the local system (`npm run services -- supervise`). */
function supervisorProcess(c: LocalConfig): ManagedProcess {
  return {
    name: 'supervisor',
    dir: c.appsDir,
    command: platformNode(),
    args: [require.resolve('tsx/cli'), path.join(repoRoot, 'local', 'src', 'cli.ts'), 'supervise'],
    cwd: repoRoot,
    isReady: async () => true,
  };
}

/**
 * Runs until SIGTERM: watches the persister, the gateways and the assistant like a kubelet (see
 * Supervisor), restarting them with the environment `up` gave them. Started by `up`, stopped by `down`.
 */
export async function supervise(log: (line: string) => void = console.log): Promise<void> {
  const c = localConfig();
  const common = appEnvironment(c, servicesEnv(c.services));
  const supervisor = new Supervisor(
    appProcesses(c, common).map((p) => ({
      name: p.name,
      pid: () => runningPid(p),
      start: () => startProcess(p),
      kill: () => stopProcess(p, 0),
      livenessUrl: `http://127.0.0.1:${p.port}${PROBES.liveness.path}`,
    })),
    { stateDir: c.appsDir, onEvent: (e) => log(`${new Date().toISOString()} ${e.name} ${e.kind} (restarts ${e.restarts}) ${e.detail ?? ''}`) },
  );
  supervisor.start();
  log(`supervising ${appProcesses(c, common).map((p) => p.name).join(', ')} (liveness every ${PROBES.liveness.periodSeconds} s, ${PROBES.liveness.failureThreshold} failures)`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  supervisor.stop();
}

/** Stops everything `up` started; leaves no process behind. */
export async function down(log: (line: string) => void = console.log): Promise<void> {
  const c = localConfig();
  const stopped: string[] = [];
  // First, so that it does not restart what is being stopped.
  if (await stopProcess({ name: 'supervisor', dir: c.appsDir })) stopped.push('supervisor');
  if (await stopProcess({ name: 'nginx', dir: path.join(c.services.dir, 'nginx') })) stopped.push('nginx');
  for (const name of ['assistant', 'file-sweep', 'thumbnails', ...c.gateways.map((g) => `gateway-${g.id}`), 'persister']) {
    if (await stopProcess({ name, dir: c.appsDir })) stopped.push(name);
  }
  stopped.push(...(await stopServices(c.services)));
  log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
}

/** One line per process of the local system: running or not, and how often the supervisor restarted it. */
export async function status(): Promise<{ name: string; pid?: number; restarts?: number }[]> {
  const c = localConfig();
  const services = ['postgres', 'redis', 'kafka', 'object-store', 'nginx'].map((name) => ({ name, pid: runningPid({ name, dir: path.join(c.services.dir, name) }) }));
  const apps = ['persister', ...c.gateways.map((g) => `gateway-${g.id}`), 'thumbnails', ...(c.assistant ? ['assistant'] : [])].map((name) => ({
    name,
    pid: runningPid({ name, dir: c.appsDir }),
    restarts: readRestartState(c.appsDir, name).restarts,
  }));
  const sweep = { name: 'file-sweep', pid: runningPid({ name: 'file-sweep', dir: c.appsDir }) };
  return [...services, ...apps, sweep, { name: 'supervisor', pid: runningPid({ name: 'supervisor', dir: c.appsDir }) }];
}
