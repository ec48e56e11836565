import fs from 'node:fs';
import path from 'node:path';
import { freePort, isAlive, migrate, type ServicesConfig, startServices } from '@chat/local';
import { publishTestServices, testRunsRoot } from './services';

/**
 * Starts PostgreSQL, Redis, Kafka and the S3 object store on free ports in .data/test/run-<pid> (fresh each run, so a re-run
 * starts clean), and migrates a template database that each suite copies. With TEST_DATABASE_URL,
 * TEST_REDIS_URL and TEST_KAFKA_BROKERS set, it uses those services instead of starting its own.
 */
export async function startTestServices(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[test services] ${line}\n`);
  const external = process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL && process.env.TEST_KAFKA_BROKERS;
  if (external) {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    const templateDatabase = url.pathname.slice(1);
    log(migrate(process.env.TEST_DATABASE_URL!).trim());
    publishTestServices({
      env: {
        DATABASE_URL: process.env.TEST_DATABASE_URL!,
        REDIS_URL: process.env.TEST_REDIS_URL!,
        KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS!,
        // An S3-compatible store of your own: TEST_S3_ENDPOINT with its keys (path-style addressing).
        ...(process.env.TEST_S3_ENDPOINT
          ? {
              S3_ENDPOINT: process.env.TEST_S3_ENDPOINT,
              S3_FORCE_PATH_STYLE: 'true',
              S3_ACCESS_KEY_ID: process.env.TEST_S3_ACCESS_KEY_ID ?? '',
              S3_SECRET_ACCESS_KEY: process.env.TEST_S3_SECRET_ACCESS_KEY ?? '',
            }
          : {}),
      },
      templateDatabase,
      runDir: path.join(testRunsRoot, `run-${process.pid}`),
    });
    return;
  }

  removeFinishedRuns();
  const testRunDir = path.join(testRunsRoot, `run-${process.pid}`);
  const [pg, redis, kafka, controller, s3] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const config: ServicesConfig = {
    dir: path.join(testRunDir, 'services'),
    postgres: { port: pg, user: 'chat', password: 'chat-test', database: 'chat_template' },
    redis: { port: redis, persistent: false },
    kafka: { port: kafka, controllerPort: controller },
    // Each suite's system uses its own bucket on this one object store (S3_BUCKET in startSystem).
    s3: { port: s3, accessKey: 'chat-test', secretKey: 'chat-test-secret-key', corsOrigin: '*' },
  };
  const env = await startServices(config, log);
  log(migrate(env.DATABASE_URL).trim());
  publishTestServices({ config, env, templateDatabase: 'chat_template', runDir: testRunDir });
}

/** Deletes the folders of earlier runs whose jest process is gone (a run that crashed leaves its data behind). */
function removeFinishedRuns(): void {
  if (!fs.existsSync(testRunsRoot)) return;
  for (const entry of fs.readdirSync(testRunsRoot)) {
    const pid = Number(/^run-(\d+)$/.exec(entry)?.[1]);
    if (!pid || !isAlive(pid)) fs.rmSync(path.join(testRunsRoot, entry), { recursive: true, force: true });
  }
}
