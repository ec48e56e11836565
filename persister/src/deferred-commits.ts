import type { Logger } from '@chat/service-kit';

/** A partition's next offset to read, as the group stores it. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next record to read (the last stored offset + 1). */
  offset: string;
}

/** Sends offset commits for several partitions in one request. */
export type CommitSender = (offsets: PartitionOffset[]) => Promise<void>;

/**
 * Offset commits of stored records, at most one request per `intervalMs` for all partitions, the last
 * one always within `intervalMs` (a timer sends what is left when traffic stops).
 *
 * Why deferring is safe: a commit only ever names records already in PostgreSQL, and applying a record
 * again is idempotent (the store's contract), so records stored but not yet committed when the process
 * dies are read again and change nothing. What is saved: one OffsetCommit request per fetch (at a
 * trickle, one per record) for the persister, and one append to `__consumer_offsets` for the broker.
 */
export class DeferredCommits {
  private readonly pending = new Map<string, PartitionOffset>();
  private lastSentAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `background` sends from the timer (outside any batch: the consumer's own `commitOffsets`). */
  constructor(
    private readonly intervalMs: number,
    private readonly background: CommitSender,
    private readonly log: Logger,
  ) {}

  /**
   * Records that everything before `next.offset` is stored. Sends now, through `send` (the batch's own
   * commit), when the last request is `intervalMs` old or `now` is true (the consumer is stopping:
   * the chunk in hand commits before the member leaves); else leaves it for the timer.
   */
  async stored(next: PartitionOffset, send: CommitSender, now: boolean): Promise<void> {
    this.pending.set(key(next), next);
    // After close (the consumer is stopping), every chunk still finishing commits at once.
    if (now || this.closed || Date.now() - this.lastSentAt >= this.intervalMs) await this.sendPending(send);
    else this.arm();
  }

  /** Sends what is pending through the consumer (before it stops), and stops the timer. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sendPending(this.background).catch((error: unknown) => this.log.warn({ err: error }, 'offset commit before leaving failed; the next member reads those records again'));
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    const wait = Math.max(0, this.intervalMs - (Date.now() - this.lastSentAt));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failed commit (the group rebalancing) is tried again later; records it names are stored either way.
      this.sendPending(this.background).catch((error: unknown) => {
        this.log.debug({ err: error }, 'deferred offset commit failed; retrying');
        this.arm();
      });
    }, wait);
    this.timer.unref();
  }

  private async sendPending(send: CommitSender): Promise<void> {
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastSentAt = Date.now();
    try {
      await send(offsets);
    } catch (error) {
      // Put back what no newer offset replaced meanwhile.
      for (const o of offsets) if (!this.pending.has(key(o))) this.pending.set(key(o), o);
      throw error;
    }
  }
}

const key = (o: PartitionOffset) => `${o.topic}\u0000${o.partition}`;
