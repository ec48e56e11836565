import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LocalStackError } from './errors';

/** One long-running process of the local system, tracked by a pid file next to its log. */
export interface ManagedProcess {
  /** Short name used in messages and file names (`postgres`, `gateway-g1`). */
  name: string;
  /** Folder for the pid file and log. */
  dir: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves true once the process serves requests. */
  isReady: () => Promise<boolean>;
  /** How long it may take to become ready, in milliseconds. Default 30 000. */
  readyTimeoutMs?: number;
  /** Run as this system user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
}

const pidFile = (p: Pick<ManagedProcess, 'dir' | 'name'>) => path.join(p.dir, `${p.name}.pid`);
export const logFile = (p: Pick<ManagedProcess, 'dir' | 'name'>): string => path.join(p.dir, `${p.name}.log`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a running process from its pid file, or undefined (a stale file is removed). */
export function runningPid(p: Pick<ManagedProcess, 'dir' | 'name'>): number | undefined {
  const file = pidFile(p);
  if (!fs.existsSync(file)) return undefined;
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  fs.rmSync(file, { force: true });
  return undefined;
}

/** The last lines of a log, for error messages. */
export function tail(file: string, lines = 30): string {
  if (!fs.existsSync(file)) return '(no log written)';
  const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it resolves true or the deadline passes. Polling is the only way to learn that
 * another process became ready; each attempt is a real request to it.
 */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await delay(intervalMs);
  }
}

/**
 * Starts the process detached (it outlives this command), unless it already runs; waits until it is
 * ready. On a crash or a timeout the error carries the tail of its log.
 */
export async function startProcess(p: ManagedProcess): Promise<{ pid: number; started: boolean }> {
  fs.mkdirSync(p.dir, { recursive: true });
  const existing = runningPid(p);
  if (existing !== undefined) {
    if (await waitFor(p.isReady, p.readyTimeoutMs ?? 30_000)) return { pid: existing, started: false };
    throw new LocalStackError(`${p.name} (pid ${existing}) runs but is not ready. Its log ${logFile(p)} ends with:\n${tail(logFile(p))}`);
  }
  const log = fs.openSync(logFile(p), 'a');
  if (p.uid !== undefined) fs.fchownSync(log, p.uid, p.gid ?? p.uid);
  const options: SpawnOptions = {
    cwd: p.cwd,
    env: p.env ?? process.env,
    detached: true,
    stdio: ['ignore', log, log],
    uid: p.uid,
    gid: p.gid,
  };
  const child = spawn(p.command, p.args, options);
  fs.closeSync(log);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new LocalStackError(`${p.name} could not be started (${p.command}): ${error.message}`)),
    );
    child.once('spawn', () => resolve(child.pid!));
  });
  child.unref();
  fs.writeFileSync(pidFile(p), `${pid}\n`);

  let exitCode: number | null = null;
  child.once('exit', (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
  const ready = await waitFor(async () => {
    if (exitCode !== null) return true;
    return p.isReady();
  }, p.readyTimeoutMs ?? 30_000);
  if (exitCode !== null) {
    fs.rmSync(pidFile(p), { force: true });
    throw new LocalStackError(`${p.name} exited with code ${exitCode} while starting. Its log ${logFile(p)} ends with:\n${tail(logFile(p))}`);
  }
  if (!ready) {
    await stopProcess(p);
    throw new LocalStackError(
      `${p.name} did not become ready within ${(p.readyTimeoutMs ?? 30_000) / 1000} s. Its log ${logFile(p)} ends with:\n${tail(logFile(p))}`,
    );
  }
  return { pid, started: true };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(p: Pick<ManagedProcess, 'dir' | 'name'>, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(p);
  if (pid === undefined) return false;
  signal(pid, 'SIGTERM');
  if (!(await waitFor(async () => !isAlive(pid), graceMs, 50))) {
    signal(pid, 'SIGKILL');
    await waitFor(async () => !isAlive(pid), 5_000, 50);
  }
  fs.rmSync(pidFile(p), { force: true });
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
