import { quietKafkaRequestQueues } from './kafka-idle-timer';
import type { Logger } from './logger';

/** One step of the shutdown sequence: stop taking work, finish or hand over what is in hand, disconnect. */
export interface ShutdownStep {
  name: string;
  /** The step; `deadline` (epoch milliseconds) is when the grace period ends, for steps that wait. */
  run: (deadline: number) => unknown;
}

/** Options of {@link onShutdown}. */
export interface ShutdownOptions {
  log: Logger;
  /** The steps, run one after the other in this order. */
  steps: readonly ShutdownStep[];
  /**
   * The time the whole sequence may take, in milliseconds: a step still running at the deadline is
   * left (and logged) and the next one starts, so that the connections are closed in any case.
   * Keep it under the orchestrator's grace period (Kubernetes: terminationGracePeriodSeconds).
   */
  graceMs: number;
  /** A step started after the deadline still gets this long, in milliseconds. Default 1000. */
  stepFloorMs?: number;
  /** Exits the process (0: every step finished, 1: one failed or timed out). Tests pass their own. */
  exit?: (code: number) => void;
  /** The signals that start the sequence. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
}

/** The handle of a registered shutdown sequence. */
export interface Shutdown {
  /** True from the first signal on. */
  readonly stopping: boolean;
  /** Runs the sequence (once: later calls return the first run) and then exits. */
  run(reason: string): Promise<void>;
}

/**
 * The one shutdown sequence of every service: on the first SIGTERM or SIGINT (or {@link Shutdown.run}),
 * runs the steps in order within the grace period, logs each failure, and exits. Later signals are
 * logged and ignored, so that a second Ctrl-C does not cut the hand-over short.
 */
export function onShutdown(options: ShutdownOptions): Shutdown {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const floor = options.stepFloorMs ?? 1_000;
  let running: Promise<void> | undefined;
  const sequence = async (reason: string): Promise<void> => {
    options.log.info({ reason }, 'shutting down');
    const deadline = Date.now() + options.graceMs;
    let clean = true;
    for (const step of options.steps) {
      const budget = Math.max(deadline - Date.now(), floor);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), budget).unref()));
      try {
        const outcome = await Promise.race([Promise.resolve().then(() => step.run(deadline)), timedOut]);
        if (outcome === 'timeout') {
          clean = false;
          options.log.warn({ step: step.name, budgetMs: budget }, 'shutdown step did not finish in time; going on');
        }
      } catch (error) {
        clean = false;
        options.log.error({ err: error, step: step.name }, 'shutdown step failed; going on');
      } finally {
        clearTimeout(timer);
      }
    }
    options.log.info({ clean }, 'stopped');
    exit(clean ? 0 : 1);
  };
  const handle: Shutdown = {
    get stopping() {
      return running !== undefined;
    },
    run(reason) {
      running ??= sequence(reason);
      return running;
    },
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (running) options.log.warn({ signal }, 'already shutting down');
      void handle.run(signal);
    });
  }
  return handle;
}

/**
 * Runs a service's `main`: a failure to start is printed with its stack and exits with code 1 (a
 * refused configuration has exited with its own code before, see loadEnvironment). Quiets kafkajs's idle
 * timer first (kafka-idle-timer.ts), so that every service that talks to Kafka sleeps when it has nothing to do.
 */
export function runService(service: string, main: () => Promise<void>): void {
  quietKafkaRequestQueues();
  main().catch((error: unknown) => {
    process.stderr.write(`${service} failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
