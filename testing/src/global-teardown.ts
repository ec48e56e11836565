import { stopServices } from '@chat/local';
import { testServices } from './services';

/** Stops the services global-setup started (KEEP_TEST_SERVICES=1 leaves them up for a look). */
export default async function globalTeardown(): Promise<void> {
  const { config } = testServices();
  if (!config || process.env.KEEP_TEST_SERVICES === '1') return;
  await stopServices(config);
}
