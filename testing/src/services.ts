import fs from 'node:fs';
import path from 'node:path';
import { dataRoot, type ServicesConfig, type ServicesEnv } from '@chat/local';

/** What global-setup hands to every test file (through the environment of the jest workers). */
export interface TestServices {
  /** The started services' layout, or undefined when the run uses services named in the environment. */
  config?: ServicesConfig;
  env: ServicesEnv;
  /** A migrated database to copy per suite (CREATE DATABASE ... TEMPLATE). */
  templateDatabase: string;
  /** Folder for this run's app processes and logs. */
  runDir: string;
}

const VARIABLE = 'CHAT_TEST_SERVICES';

/** All test runs' folders; each run has its own, so runs in parallel (two terminals, CI) never collide. */
export const testRunsRoot = path.join(dataRoot, 'test');

export function publishTestServices(services: TestServices): void {
  process.env[VARIABLE] = JSON.stringify(services);
  fs.mkdirSync(services.runDir, { recursive: true });
  fs.writeFileSync(path.join(services.runDir, 'services.json'), JSON.stringify(services, null, 2));
}

/** The services of this test run; fails clearly when a test runs outside the root jest config. */
export function testServices(): TestServices {
  const raw = process.env[VARIABLE];
  if (!raw) throw new Error(`${VARIABLE} is not set: run the tests with jest from the repository root (npm test), whose global setup starts the services`);
  return JSON.parse(raw) as TestServices;
}
