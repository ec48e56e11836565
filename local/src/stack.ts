import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LocalStackError } from './errors';
import { postgresBinDir } from './installer';
import { repoRoot } from './paths';
import { assertPortFree } from './ports';
import { type ManagedProcess, runningPid, startProcess, stopProcess } from './processes';
import { kafkaProcess } from './services/kafka';
import { objectStoreBinary, objectStoreProcess } from './services/object-store';
import { postgresProcess, postgresUrl } from './services/postgres';
import { redisProcess } from './services/redis';

/** Where and how the backing services of one local system (or one test run) listen. */
export interface ServicesConfig {
  /** Folder of this system's data, logs and pid files. */
  dir: string;
  postgres: { port: number; user: string; password: string; database: string };
  redis: { port: number; persistent: boolean };
  kafka: { port: number; controllerPort: number };
  /** The S3-compatible object store of files; absent: none is started (suites that share the run's). */
  s3?: { port: number; accessKey: string; secretKey: string; corsOrigin?: string };
}

/** The URLs the services are reached at, in the variables the platform's services read. */
export interface ServicesEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  KAFKA_BROKERS: string;
  /** The object store, with path-style addressing and its keys (set when the config has `s3`). */
  S3_ENDPOINT?: string;
  S3_FORCE_PATH_STYLE?: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
}

export function servicesEnv(c: ServicesConfig): ServicesEnv {
  return {
    DATABASE_URL: postgresUrl(c.postgres, c.postgres.database),
    REDIS_URL: `redis://127.0.0.1:${c.redis.port}`,
    KAFKA_BROKERS: `127.0.0.1:${c.kafka.port}`,
    ...(c.s3
      ? { S3_ENDPOINT: `http://127.0.0.1:${c.s3.port}`, S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: c.s3.accessKey, S3_SECRET_ACCESS_KEY: c.s3.secretKey }
      : {}),
  };
}

function serviceProcesses(c: ServicesConfig): ManagedProcess[] {
  return [
    postgresProcess({ dir: path.join(c.dir, 'postgres'), ...c.postgres }),
    redisProcess({ dir: path.join(c.dir, 'redis'), ...c.redis }),
    kafkaProcess({ dir: path.join(c.dir, 'kafka'), ...c.kafka }),
    ...(c.s3 ? [objectStoreProcess({ dir: path.join(c.dir, 'object-store'), ...c.s3 })] : []),
  ];
}

const PORTS = (c: ServicesConfig) => [
  { name: 'postgres', dir: path.join(c.dir, 'postgres'), ports: [c.postgres.port] },
  { name: 'redis', dir: path.join(c.dir, 'redis'), ports: [c.redis.port] },
  { name: 'kafka', dir: path.join(c.dir, 'kafka'), ports: [c.kafka.port, c.kafka.controllerPort] },
  ...(c.s3 ? [{ name: 'object-store', dir: path.join(c.dir, 'object-store'), ports: [c.s3.port] }] : []),
];

/**
 * Starts PostgreSQL, Redis, Kafka and the object store (those not running yet), waits until each serves requests and
 * makes sure the database exists. Starting twice is harmless: running services are left alone.
 */
export async function startServices(c: ServicesConfig, log: (line: string) => void = console.log): Promise<ServicesEnv> {
  for (const s of PORTS(c)) {
    if (runningPid(s) !== undefined) continue;
    for (const port of s.ports) await assertPortFree(port, s.name);
  }
  const started = Date.now();
  if (c.s3 && !fs.existsSync(objectStoreBinary())) {
    throw new LocalStackError(`${objectStoreBinary()} is missing: run \`npm run services -- install\` (it builds it with go install)`);
  }
  if (c.s3) for (const sub of ['buckets', 'meta']) fs.mkdirSync(path.join(c.dir, 'object-store', sub), { recursive: true });
  await Promise.all(
    serviceProcesses(c).map(async (p) => {
      const result = await startProcess(p);
      log(`${p.name} ${result.started ? 'started' : 'already running'} (pid ${result.pid})`);
    }),
  );
  createDatabase(c, c.postgres.database);
  log(`services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return servicesEnv(c);
}

export async function stopServices(c: Pick<ServicesConfig, 'dir'>): Promise<string[]> {
  const names = ['object-store', 'kafka', 'redis', 'postgres'];
  const stopped = await Promise.all(names.map((name) => stopProcess({ name, dir: path.join(c.dir, name) })));
  return names.filter((_, i) => stopped[i]);
}

/** Runs SQL through psql as the cluster's superuser (no client library needed here). */
export function psql(c: ServicesConfig, sql: string, database = 'postgres'): string {
  try {
    return execFileSync(
      path.join(postgresBinDir()!, 'psql'),
      ['-h', '127.0.0.1', '-p', String(c.postgres.port), '-U', c.postgres.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-tAc', sql],
      { env: { ...process.env, PGPASSWORD: c.postgres.password }, encoding: 'utf8', stdio: 'pipe' },
    );
  } catch (error) {
    throw new LocalStackError(`psql failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
}

/** Creates a database unless it exists; `template` copies another one (fast per-suite databases in tests). */
export function createDatabase(c: ServicesConfig, name: string, template?: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new LocalStackError(`not a safe database name: ${name}`);
  const exists = psql(c, `SELECT 1 FROM pg_database WHERE datname = '${name}'`).trim() === '1';
  if (!exists) psql(c, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
}

/** Applies the database migrations with the db package's own runner (no Prisma engine needed). */
export function migrate(databaseUrl: string): string {
  const cli = path.join(repoRoot, 'db', 'dist', 'migrate-cli.js');
  if (!fs.existsSync(cli)) throw new LocalStackError(`${cli} is missing: build first (npm run build)`);
  return execFileSync(process.execPath, [cli], { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' });
}

