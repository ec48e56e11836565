import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { appProcess, httpOk } from './apps';
import { LocalStackError } from './errors';
import { ensureInstalled } from './installer';
import { localConfig } from './local-config';
import { repoRoot } from './paths';
import { assertPortFree } from './ports';
import { runningPid, startProcess, stopProcess } from './processes';
import { nginxProcess } from './services/nginx';
import { migrate, startServices, stopServices } from './stack';

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

  const common = {
    ...env,
    NODE_ENV: c.nodeEnv,
    LOG_LEVEL: c.logLevel,
    CORS_ORIGIN: `http://localhost:${c.httpPort}`,
    S3_BUCKET: 'chat-files',
    S3_CREATE_BUCKET: 'true',
    // Browsers reach the store directly: presigned URLs name the address they can open.
    S3_PUBLIC_ENDPOINT: `http://localhost:${c.services.s3!.port}`,
    // The gateways announce the assistant (GET /api/features) exactly when it runs.
    ASSISTANT_NAME: c.assistant ? c.assistant.name : '',
  };
  const apps = [
    appProcess({ app: 'persister', name: 'persister', dir: c.appsDir, port: c.persisterPort, env: { ...common, PERSISTER_PORT: String(c.persisterPort) } }),
    ...c.gateways.map((g) =>
      appProcess({ app: 'gateway', name: `gateway-${g.id}`, dir: c.appsDir, port: g.port, env: { ...common, PORT: String(g.port), HOST: '127.0.0.1', GATEWAY_ID: g.id } }),
    ),
    appProcess({ app: 'gateway', script: 'thumbnail-worker-main.js', name: 'thumbnails', dir: c.appsDir, port: c.thumbnailsPort, env: { ...common, PORT: String(c.thumbnailsPort), HOST: '127.0.0.1' } }),
  ];
  const ports = [c.persisterPort, ...c.gateways.map((g) => g.port), c.thumbnailsPort];
  for (const [i, p] of apps.entries()) {
    if (runningPid(p) === undefined) await assertPortFree(ports[i]!, p.name);
  }
  // The local system's timer for the orphan sweep (production: a Kubernetes CronJob running the same script).
  apps.push(
    appProcess({ app: 'gateway', script: 'sweep-files-main.js', args: ['--every', String(3600_000)], name: 'file-sweep', dir: c.appsDir, port: 0, env: common, isReady: async () => true }),
  );
  // One at a time: on two cores, parallel starts only slow each other down.
  for (const p of apps) {
    const result = await startProcess(p);
    log(`${p.name} ${result.started ? 'started' : 'already running'} (pid ${result.pid})`);
  }
  const nginx = nginxProcess({ dir: path.join(c.services.dir, 'nginx'), port: c.httpPort, gateways: c.gateways, webRoot: path.join(repoRoot, 'web', 'dist') });
  if (runningPid(nginx) === undefined) await assertPortFree(c.httpPort, 'nginx');
  await startProcess(nginx);
  if (!(await httpOk(c.httpPort))) throw new LocalStackError(`http://localhost:${c.httpPort}/readyz is not 200 after start`);
  if (c.assistant) {
    // After nginx: the worker is a Socket.IO client of the gateways, through it like a browser.
    const p = appProcess({
      app: 'assistant',
      name: 'assistant',
      dir: c.appsDir,
      port: c.assistantPort,
      env: { ...common, ASSISTANT_PORT: String(c.assistantPort), GATEWAY_URL: `http://127.0.0.1:${c.httpPort}` },
    });
    if (runningPid(p) === undefined) await assertPortFree(c.assistantPort, p.name);
    const result = await startProcess(p);
    log(`assistant ${result.started ? 'started' : 'already running'} (pid ${result.pid}), answering @${common.ASSISTANT_NAME} with ${c.assistant.model} at ${c.assistant.url}`);
  }
  log(`the chat is up at http://localhost:${c.httpPort}/ (ready in ${((Date.now() - started) / 1000).toFixed(0)} s); \`npm stop\` stops it`);
}

/** Stops everything `up` started; leaves no process behind. */
export async function down(log: (line: string) => void = console.log): Promise<void> {
  const c = localConfig();
  const stopped: string[] = [];
  if (await stopProcess({ name: 'nginx', dir: path.join(c.services.dir, 'nginx') })) stopped.push('nginx');
  for (const name of ['assistant', 'file-sweep', 'thumbnails', ...c.gateways.map((g) => `gateway-${g.id}`), 'persister']) {
    if (await stopProcess({ name, dir: c.appsDir })) stopped.push(name);
  }
  stopped.push(...(await stopServices(c.services)));
  log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
}

/** One line per process of the local system: running or not, and whether it answers. */
export async function status(): Promise<{ name: string; pid?: number }[]> {
  const c = localConfig();
  const entries = [
    ...['postgres', 'redis', 'kafka', 'object-store', 'nginx'].map((name) => ({ name, dir: path.join(c.services.dir, name) })),
    ...['persister', ...c.gateways.map((g) => `gateway-${g.id}`), 'thumbnails', 'file-sweep', ...(c.assistant ? ['assistant'] : [])].map((name) => ({ name, dir: c.appsDir })),
  ];
  return entries.map((e) => ({ name: e.name, pid: runningPid(e) }));
}
