import { AppError } from '@chat/service-kit';

/** Options of {@link retryWhileTransient}. */
export interface RetryOptions {
  /** True when the failure may go away by itself (the same call is then tried again). */
  isTransient(error: unknown): boolean;
  /** First wait in milliseconds; doubles after each failure. Default 100. */
  initialDelayMs?: number;
  /** Longest wait between two attempts, in milliseconds. */
  maxDelayMs: number;
  /** Called between attempts, at least once a second (keeps a Kafka group membership alive). */
  keepAlive(): Promise<void>;
  /** Polled while waiting; true gives up with {@link RetryAbortedError}. */
  shouldStop(): boolean;
  /** Told about each transient failure before the wait. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/** The retry loop gave up because its owner is stopping (the work was not done). */
export class RetryAbortedError extends AppError {
  override name = 'RetryAbortedError';

  constructor(options?: { cause?: unknown }) {
    super('UNAVAILABLE', 'gave up retrying: stopping', options);
  }
}

// Wait in short slices so that a stop is noticed and the keep-alive runs well inside any session timeout.
const SLICE_MS = 250;

/**
 * Runs `attempt` until it succeeds, however long that takes, while its failures are transient;
 * a failure that is not transient is thrown at once. Waits grow exponentially with full jitter up to
 * `maxDelayMs`, so that many consumers do not hit a recovering database in step.
 */
export async function retryWhileTransient<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const initial = options.initialDelayMs ?? 100;
  for (let failures = 0; ; ) {
    try {
      return await attempt();
    } catch (error) {
      if (!options.isTransient(error)) throw error;
      failures += 1;
      const ceiling = Math.min(options.maxDelayMs, initial * 2 ** Math.min(failures - 1, 30));
      const delay = Math.max(initial, Math.round(Math.random() * ceiling));
      options.onRetry?.(error, failures, delay);
      const until = Date.now() + delay;
      for (;;) {
        if (options.shouldStop()) throw new RetryAbortedError({ cause: error });
        await options.keepAlive();
        const left = until - Date.now();
        if (left <= 0) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(SLICE_MS, left)));
      }
    }
  }
}
