#!/usr/bin/env node
// The local system's command line (npm start / npm stop / npm run services -- <command>).
import { LocalStackError } from './errors';
import { ensureInstalled } from './installer';
import { localConfig } from './local-config';
import { down, status, up } from './local-system';
import { startServices, stopServices } from './stack';

const USAGE = `usage: npm run services -- <command>
  up                 install what is missing, build, start every service and the app (npm start)
  down               stop everything up started (npm stop)
  status             which processes run
  install            install PostgreSQL, Redis, nginx, Java, Maven and Kafka's jars if missing
  install --for-tests  also Chromium and the Go tools the tests use
  services:start     start only PostgreSQL, Redis and Kafka
  services:stop      stop only PostgreSQL, Redis and Kafka`;

async function main(argv: string[]): Promise<void> {
  const [command, ...flags] = argv;
  switch (command) {
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      for (const s of await status()) console.log(`${s.name.padEnd(12)} ${s.pid ? `running (pid ${s.pid})` : 'stopped'}`);
      return;
    case 'install':
      ensureInstalled({ forTests: flags.includes('--for-tests') });
      return;
    case 'services:start':
      ensureInstalled();
      console.log(await startServices(localConfig().services));
      return;
    case 'services:stop':
      console.log(`stopped: ${(await stopServices(localConfig().services)).join(', ') || 'nothing was running'}`);
      return;
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof LocalStackError) console.error(`error: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
