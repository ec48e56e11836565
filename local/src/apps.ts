import path from 'node:path';
import { cpuProfileDir } from './local-config';
import { platformNode } from './node-runtime';
import { repoRoot } from './paths';
import { type ManagedProcess } from './processes';

/** Resolves true when GET http://127.0.0.1:<port><path> answers 200. */
export async function httpOk(port: number, urlPath = '/readyz'): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

export interface AppOptions {
  /** The workspace whose dist/main.js runs. */
  app: 'gateway' | 'persister' | 'assistant';
  /** Process name for logs and pid files (`gateway-g1`). */
  name: string;
  dir: string;
  /** The port its /readyz answers on. */
  port: number;
  env: NodeJS.ProcessEnv;
  /** Arguments after the script. */
  args?: string[];
  /** The entry point in its dist/ folder. Default main.js. */
  script?: string;
  /** Readiness, if not GET /readyz on `port` (a timer process has no server). */
  isReady?: () => Promise<boolean>;
}

/**
 * `LOCAL_CPU_PROF_DIR=<dir>` runs every service with `--cpu-prof` into that folder (Node.js refuses the
 * flag in NODE_OPTIONS); a profile is written when the service exits (`npm stop`). Summaries:
 * `npx tsx bench/src/profile-summary.ts <dir>/*.cpuprofile`.
 */
function cpuProfileArgs(): string[] {
  const dir = cpuProfileDir();
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

/** One of the platform's own Node.js services, run from its build output like in a container, on the platform's Node.js. */
export function appProcess(o: AppOptions): ManagedProcess {
  return {
    name: o.name,
    dir: o.dir,
    command: platformNode(),
    args: ['--enable-source-maps', ...cpuProfileArgs(), path.join(repoRoot, o.app, 'dist', o.script ?? 'main.js'), ...(o.args ?? [])],
    cwd: repoRoot,
    env: { ...process.env, ...o.env },
    isReady: o.isReady ?? (() => httpOk(o.port)),
    readyTimeoutMs: 60_000,
  };
}
