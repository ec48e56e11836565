import { execFileSync } from 'node:child_process';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * Once per jest run, on a fresh clone as much as on a worked-in tree: first builds what the tests run
 * as build output (the local system's package, which global setup itself loads, and the services the
 * system tests start like a container would), then starts the run's services. Nothing here may import
 * a workspace package before that build: jest loads this file with plain Node resolution, which finds
 * each package's `dist/` (moduleNameMapper only applies inside test files).
 */
export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'local', 'db', 'gateway', 'persister', 'assistant'], { cwd: repoRoot, stdio: 'inherit' });
  // The browser tests' nginx serves the built web app: the production build (jest sets NODE_ENV=test,
  // which would make Vite bundle React's development build).
  execFileSync('npm', ['run', 'build', '--silent', '-w', '@chat/web'], { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  const { startTestServices } = await import('./start-test-services');
  await startTestServices();
}
