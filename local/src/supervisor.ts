import fs from 'node:fs';
import path from 'node:path';
import { PROBES, type ProbeSettings } from '@chat/service-kit';

/** A process the supervisor looks after. */
export interface Supervised {
  name: string;
  /** Its pid, or undefined when it is not running (exited or crashed). */
  pid(): number | undefined;
  /** Starts it; resolves once it is ready, rejects when it cannot start. */
  start(): Promise<unknown>;
  /** SIGKILL, resolving once it is gone (a kubelet does not wait for a hung process either). */
  kill(): Promise<unknown>;
  /** Its liveness endpoint, `http://127.0.0.1:<port>/healthz`. */
  livenessUrl: string;
}

/** What the supervisor did, for logs and `npm run services -- status`. */
export interface SupervisorEvent {
  name: string;
  kind: 'crashed' | 'unresponsive' | 'restarted' | 'restart-failed';
  restarts: number;
  detail?: string;
}

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  /** Default {@link PROBES}.liveness, the Kubernetes probe's settings. */
  liveness?: ProbeSettings;
  /** First wait before restarting a crashed process, doubled per restart in a row. Default 1 000 ms. */
  initialBackoffMs?: number;
  /** Longest wait between restarts. Default 30 000 ms. */
  maxBackoffMs?: number;
  /** How long a process must stay alive for its backoff to start again from the first step. Default 60 000 ms. */
  resetAfterMs?: number;
  onEvent?: (event: SupervisorEvent) => void;
  /** Where each process's restart count is kept (`<name>.restarts.json`), for `status`. */
  stateDir?: string;
}

/** The restart count of one process, as the supervisor last wrote it. */
export interface RestartState {
  restarts: number;
  lastReason?: string;
  lastAt?: string;
}

/** How often the supervisor looks whether a process still runs, in milliseconds. */
const CRASH_POLL_MS = 1_000;

const stateFile = (dir: string, name: string) => path.join(dir, `${name}.restarts.json`);

/** The restart count `status` shows (0 when the supervisor never restarted the process). */
export function readRestartState(dir: string, name: string): RestartState {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir, name), 'utf8')) as RestartState;
  } catch {
    return { restarts: 0 };
  }
}

/** Resolves whether GET `url` answered 2xx within `timeoutMs`. */
async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).ok;
  } catch {
    return false;
  }
}

/**
 * Looks after processes as a kubelet does: one that exited is started again after a backoff that
 * doubles per restart in a row (1 s, 2 s, 4 s ... 30 s); one whose liveness endpoint fails
 * `failureThreshold` probes in a row (hung, SIGSTOPped, deadlocked) is killed and started again.
 */
export class Supervisor {
  private readonly liveness: ProbeSettings;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Restarts per process name. */
  readonly restarts = new Map<string, number>();

  constructor(
    private readonly processes: readonly Supervised[],
    private readonly options: SupervisorOptions = {},
  ) {
    this.liveness = options.liveness ?? PROBES.liveness;
  }

  /** Starts watching every process (the processes themselves are expected to run already). */
  start(): void {
    for (const p of this.processes) void this.watch(p);
  }

  /** Stops watching; the processes keep running. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private async watch(p: Supervised): Promise<void> {
    const { periodSeconds, timeoutSeconds, failureThreshold } = this.liveness;
    let failures = 0;
    let inARow = 0;
    let aliveSince = Date.now();
    let probedAt = Date.now();
    while (!this.stopped) {
      // An exit is noticed within a second (a kubelet learns it from the runtime at once); liveness is probed once a period.
      await this.sleep(CRASH_POLL_MS);
      if (this.stopped) return;
      let reason: SupervisorEvent['kind'] | undefined;
      if (p.pid() === undefined) reason = 'crashed';
      else if (Date.now() - probedAt < periodSeconds * 1000) continue;
      else {
        probedAt = Date.now();
        if (await answers(p.livenessUrl, timeoutSeconds * 1000)) failures = 0;
        else if (++failures >= failureThreshold) reason = 'unresponsive';
      }
      if (this.stopped || !reason) continue;
      if (Date.now() - aliveSince > (this.options.resetAfterMs ?? 60_000)) inARow = 0;
      const backoff = Math.min((this.options.initialBackoffMs ?? 1_000) * 2 ** inARow, this.options.maxBackoffMs ?? 30_000);
      inARow += 1;
      failures = 0;
      this.event(p, reason, reason === 'unresponsive' ? `${failureThreshold} liveness probes failed` : 'not running');
      if (reason === 'unresponsive') await p.kill().catch(() => undefined);
      await this.sleep(backoff);
      if (this.stopped) return;
      try {
        await p.start();
        this.restarts.set(p.name, (this.restarts.get(p.name) ?? 0) + 1);
        aliveSince = Date.now();
        probedAt = Date.now();
        this.event(p, 'restarted', `after ${backoff} ms (${reason})`);
      } catch (error) {
        this.event(p, 'restart-failed', String((error as Error).message).split('\n')[0] ?? 'unknown');
      }
    }
  }

  private event(p: Supervised, kind: SupervisorEvent['kind'], detail: string): void {
    const restarts = this.restarts.get(p.name) ?? 0;
    if (kind === 'restarted' && this.options.stateDir) {
      const state: RestartState = { restarts, lastReason: detail, lastAt: new Date().toISOString() };
      fs.writeFileSync(stateFile(this.options.stateDir, p.name), `${JSON.stringify(state)}\n`);
    }
    this.options.onEvent?.({ name: p.name, kind, restarts, detail });
  }
}
