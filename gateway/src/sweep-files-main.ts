// The orphan sweep: deletes uploads that no message took within FILE_ORPHAN_AGE_MS (default 24 h), objects
// first. Run once by a Kubernetes CronJob in production (the gateway's image and configuration); the local
// system runs it with `--every <ms>` as a timer. Exit code 0 when the sweep (or, with --every, the last) worked.
import { createPrisma } from '@chat/db';
import { createLogger, runService } from '@chat/service-kit';
import { loadConfig } from './config';
import { createFileLifecycle } from './files/file-lifecycle';
import { objectStoreFromConfig } from './files/object-store';
import { createUploadRepository } from './store/uploads';

function everyMs(argv: string[]): number | undefined {
  const i = argv.indexOf('--every');
  if (i < 0) return undefined;
  const value = Number(argv[i + 1]);
  if (!Number.isInteger(value) || value < 1000) throw new Error('--every takes a period in milliseconds (at least 1000)');
  return value;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const period = everyMs(process.argv.slice(2));
  const log = createLogger({ service: 'file-sweep', level: config.LOG_LEVEL });
  const db = createPrisma({ url: config.DATABASE_URL, poolMax: 2 });
  const store = objectStoreFromConfig(config);
  const lifecycle = createFileLifecycle(store, createUploadRepository(db));
  const sweep = async () => {
    const started = Date.now();
    const removed = await lifecycle.sweepOrphans(config.FILE_ORPHAN_AGE_MS);
    log.info({ removed, ms: Date.now() - started }, 'orphaned uploads swept');
  };
  if (period === undefined) {
    try {
      await sweep();
    } finally {
      store.close();
      await db.$disconnect();
    }
    return;
  }
  const timer = setInterval(() => void sweep().catch((error: unknown) => log.error({ err: error }, 'sweep failed')), period);
  await sweep().catch((error: unknown) => log.error({ err: error }, 'sweep failed'));
  const stop = () => {
    clearInterval(timer);
    store.close();
    void db.$disconnect().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

runService('file-sweep', main);
