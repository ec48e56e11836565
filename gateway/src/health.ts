/** A named dependency check for /readyz; resolves when the dependency answers. */
export interface DependencyCheck {
  name: string;
  check: () => Promise<unknown>;
}

export interface Readiness {
  /** Whether every dependency answered within the timeout (cached for `cacheMs`), and which did not. */
  status(): Promise<{ ready: boolean; failing: string[] }>;
  /** From now on, not ready: the gateway is shutting down and load balancers should move on. */
  drain(): void;
  readonly draining: boolean;
}

export function createReadiness(checks: DependencyCheck[], timeoutMs = 1_000, cacheMs = 1_000): Readiness {
  let draining = false;
  let cached: { at: number; value: Promise<{ ready: boolean; failing: string[] }> } | undefined;
  const run = async () => {
    const results = await Promise.all(
      checks.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)));
        try {
          await Promise.race([c.check(), timeout]);
          return undefined;
        } catch {
          return c.name;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
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
