/** A named dependency check for /readyz: resolves when the dependency answers, rejects (or throws) when not. */
export interface DependencyCheck {
  name: string;
  check: () => unknown;
}

/** Whether a process can do its work now, and which checks say it cannot. */
export interface ReadinessStatus {
  ready: boolean;
  failing: string[];
}

/** The answer of /readyz. */
export interface Readiness {
  /** Whether every check answered within the timeout (cached for `cacheMs`), and which did not. */
  status(): Promise<ReadinessStatus>;
  /** From now on, not ready: the process is shutting down and load balancers should move on. */
  drain(): void;
  readonly draining: boolean;
}

/** Options of {@link createReadiness}. */
export interface ReadinessOptions {
  /** How long one check may take before it counts as failing, in milliseconds. Default 1000. */
  timeoutMs?: number;
  /** How long one answer is reused, in milliseconds, so that probes do not hammer the dependencies. Default 1000. */
  cacheMs?: number;
}

/** Readiness from a list of checks, run in parallel, each bounded by a timeout. */
export function createReadiness(checks: readonly DependencyCheck[], options: ReadinessOptions = {}): Readiness {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const cacheMs = options.cacheMs ?? 1_000;
  let draining = false;
  let cached: { at: number; value: Promise<ReadinessStatus> } | undefined;
  const passes = async (check: DependencyCheck): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.resolve().then(check.check).then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const run = async (): Promise<ReadinessStatus> => {
    const results = await Promise.all(checks.map(async (c) => ((await passes(c)) ? undefined : c.name)));
    const failing = results.filter((name): name is string => name !== undefined);
    return { ready: failing.length === 0, failing };
  };
  return {
    async status() {
      if (draining) return { ready: false, failing: ['draining'] };
      if (!cached || Date.now() - cached.at > cacheMs) cached = { at: Date.now(), value: run() };
      return cached.value;
    },
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}

/** A check that passes while `condition()` is true (a consumer joined its group, a socket is connected). */
export function conditionCheck(name: string, condition: () => boolean): DependencyCheck {
  return {
    name,
    check: () => {
      if (!condition()) throw new Error(`${name}: not yet`);
    },
  };
}
