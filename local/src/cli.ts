#!/usr/bin/env node
// The local system's command line (npm start / npm stop / npm run services -- <command>).
import path from 'node:path';
import { LocalStackError } from './errors';
import { ensureInstalled } from './installer';
import { localConfig } from './local-config';
import { down, status, supervise, up } from './local-system';
import { ensureLtsNode, runOnNode } from './node-runtime';
import { repoRoot } from './paths';
import { startServices, stopServices } from './stack';

const USAGE = `usage: npm run services -- <command>
  up                 install what is missing, build, start every service and the app (npm start)
  down               stop everything up started (npm stop)
  status             which processes run, and how often the supervisor restarted each
  install            install PostgreSQL, Redis, nginx, Java, Maven and Kafka's jars if missing
  install --for-tests  also Chromium and the Go tools the tests use
  services:start     start only PostgreSQL, Redis and Kafka
  services:stop      stop only PostgreSQL, Redis and Kafka
  supervise          restart services that exit or stop answering (up starts it; runs until SIGTERM)
  jest [args]        jest on the platform's Node.js (npm test)
  node [args]        the platform's Node.js itself

Every command runs on the Node.js release of .nvmrc (LOCAL_NODE=lts, the default): on a machine with an
older one, the pinned build from the npm registry (installed into .data/tools on first use).
LOCAL_NODE=system keeps the machine's.`;

async function main(argv: string[]): Promise<void> {
  const node = ensureLtsNode();
  if (node !== process.execPath) {
    // Again on the platform's Node.js: whatever this command starts (services, builds, jest) runs on it.
    process.exitCode = await runOnNode(node, [require.resolve('tsx/cli'), path.join(repoRoot, 'local', 'src', 'cli.ts'), ...argv]);
    return;
  }
  const [command, ...flags] = argv;
  switch (command) {
    case 'jest':
      process.exitCode = await runOnNode(process.execPath, [require.resolve('jest/bin/jest'), ...flags]);
      return;
    case 'node':
      process.exitCode = await runOnNode(process.execPath, flags);
      return;
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      for (const s of await status()) {
        const restarts = s.restarts === undefined ? '' : `, ${s.restarts} restart${s.restarts === 1 ? '' : 's'}`;
        console.log(`${s.name.padEnd(12)} ${s.pid ? `running (pid ${s.pid})` : 'stopped'}${restarts}`);
      }
      return;
    case 'supervise':
      return supervise();
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
      console.error(`${command === undefined ? 'no command' : `unknown command "${command}"`} (${process.version}, ${__filename})\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof LocalStackError) console.error(`error: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
