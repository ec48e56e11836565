/** Settings of {@link Readiness}. */
export interface ReadinessOptions {
  /** True while the consumer is a member of its group. */
  isJoined(): boolean;
  /** Resolves when Postgres answers. */
  pingDatabase(): Promise<void>;
  /** How long Postgres may take to answer before the check says no, in milliseconds. Default 1000. */
  pingTimeoutMs?: number;
}

/** Whether the persister can do its work now: joined its group, Postgres answering, not shutting down. */
export class Readiness {
  private stopping = false;

  constructor(private readonly options: ReadinessOptions) {}

  /** From now on the answer is no (called first thing on SIGTERM). */
  markStopping(): void {
    this.stopping = true;
  }

  async check(): Promise<boolean> {
    if (this.stopping || !this.options.isJoined()) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.options.pingTimeoutMs ?? 1000)));
    try {
      return await Promise.race([this.options.pingDatabase().then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
