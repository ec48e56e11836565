import type { IHeaders } from 'kafkajs';
import { AppError, classifyDependencyError, dependencyErrorFacts, describeDependencyError, type Logger, moduleLogger } from '@chat/service-kit';
import type { DeadLetter, DeadLetterPublisher } from './dead-letter-publisher';
import type { MessageStore } from './message-store';
import type { PersisterMetrics } from './metrics';
import { decodeRecord, type MessageRow, type RecordProblem } from './record-decoder';
import { RetryAbortedError, retryWhileTransient } from './retry';

/** One record of a partition, as Kafka delivered it. */
export interface ConsumedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/** A consumed record with its decoding. */
type Decoded = { ok: true; record: ConsumedRecord; row: MessageRow } | { ok: false; record: ConsumedRecord; problem: RecordProblem; reason: string };
type Valid = Extract<Decoded, { ok: true }>;

/** What the processor needs from the consumer for the partition in hand. */
export interface PartitionContext {
  topic: string;
  partition: number;
  /** Keeps the group membership alive during long work (kafkajs `heartbeat`). */
  heartbeat(): Promise<void>;
  /** True once the work must stop: the consumer is stopping or the partition was reassigned. */
  shouldStop(): boolean;
  /** Marks every record up to and including `offset` as done and commits that to the group. */
  commit(offset: string): Promise<void>;
}

/** Settings of {@link BatchProcessor}. */
export interface BatchProcessorOptions {
  store: MessageStore;
  deadLetters: DeadLetterPublisher;
  metrics: PersisterMetrics;
  logger: Logger;
  /** Most records handled (and rows written) per INSERT; the offset is committed after each chunk. */
  batchMax: number;
  /** Longest wait between two attempts while Postgres is unavailable, in milliseconds. */
  retryMaxMs: number;
}

/**
 * The persister's unit of work: a run of records from one partition, in offset order. Per chunk of at
 * most `batchMax` records: decode, write the rows in one INSERT (retrying while Postgres is down,
 * isolating refused rows one by one), dead-letter what can never be stored, then commit the chunk's
 * last offset. Nothing is committed before it is in Postgres or in the dead-letter topic.
 */
export class BatchProcessor {
  private readonly log: Logger;

  constructor(private readonly options: BatchProcessorOptions) {
    this.log = moduleLogger(options.logger, 'batch');
  }

  /**
   * Processes `records` (one partition, ascending offsets). Resolves true when all were committed,
   * false when it stopped early because `context.shouldStop()` turned true (the rest stays uncommitted).
   * Rejects on a failure that is neither transient nor the data's fault (the caller crashes the process).
   */
  async process(records: readonly ConsumedRecord[], context: PartitionContext): Promise<boolean> {
    for (let start = 0; start < records.length; start += this.options.batchMax) {
      if (context.shouldStop()) return false;
      const chunk = records.slice(start, start + this.options.batchMax);
      const decoded = chunk.map((record): Decoded => ({ record, ...decodeRecord(record.value) }));
      const letters = decoded.flatMap((d) => (d.ok ? [] : [this.letter(d.record, d.reason, context)]));
      for (const d of decoded) if (!d.ok) this.options.metrics.errors.inc({ code: 'VALIDATION', reason: d.problem });

      const valid = decoded.filter((d): d is Valid => d.ok);
      const written = await this.write(valid, context);
      if (written === undefined) return false;
      letters.push(...written.refused.map(({ record, reason }) => this.letter(record, reason, context)));

      await this.options.deadLetters.publish(letters);
      for (const letter of letters) {
        this.log.warn({ topic: letter.topic, partition: letter.partition, offset: letter.offset, reason: letter.reason }, 'record dead-lettered');
      }
      const { messages } = this.options.metrics;
      messages.inc({ result: 'inserted' }, written.inserted);
      messages.inc({ result: 'duplicate' }, valid.length - written.refused.length - written.inserted);
      messages.inc({ result: 'dead_lettered' }, letters.length);

      await context.commit(chunk[chunk.length - 1]!.offset);
      await context.heartbeat();
    }
    return true;
  }

  /**
   * Writes the rows: one INSERT, or, when Postgres refuses the data of some row (SQLSTATE class 22
   * or 23), one INSERT per row to find which. Undefined when it stopped while waiting for Postgres.
   */
  private async write(
    valid: Valid[],
    context: PartitionContext,
  ): Promise<{ inserted: number; refused: { record: ConsumedRecord; reason: string }[] } | undefined> {
    if (valid.length === 0) return { inserted: 0, refused: [] };
    const whole = await this.insertRetrying(valid.map((d) => d.row), context);
    if (whole === 'stopped') return undefined;
    if (whole.ok) return { inserted: whole.inserted, refused: [] };

    this.log.warn({ topic: context.topic, partition: context.partition, rows: valid.length, error: describeDependencyError(whole.error) }, 'batch refused by Postgres; inserting row by row to isolate the bad rows');
    let inserted = 0;
    const refused: { record: ConsumedRecord; reason: string }[] = [];
    for (const d of valid) {
      const single = await this.insertRetrying([d.row], context);
      if (single === 'stopped') return undefined;
      if (single.ok) inserted += single.inserted;
      else {
        const sqlState = dependencyErrorFacts(single.error).sqlState ?? 'unknown';
        this.options.metrics.errors.inc({ code: 'VALIDATION', reason: sqlState });
        refused.push({ record: d.record, reason: `refused by Postgres: ${describeDependencyError(single.error)}` });
      }
    }
    return { inserted, refused };
  }

  /** One INSERT, retried for as long as Postgres is unavailable; a data error is returned, not thrown. */
  private async insertRetrying(
    rows: MessageRow[],
    context: PartitionContext,
  ): Promise<{ ok: true; inserted: number } | { ok: false; error: unknown } | 'stopped'> {
    const { metrics } = this.options;
    try {
      return await retryWhileTransient(
        async () => {
          const stopTimer = metrics.insertSeconds.startTimer();
          try {
            const inserted = await this.options.store.insert(rows);
            stopTimer();
            metrics.batchSize.observe(rows.length);
            metrics.databaseUp.set(1);
            return { ok: true as const, inserted };
          } catch (error) {
            const failure = classifyDependencyError(error);
            if (failure === 'data') return { ok: false as const, error };
            if (failure === 'fatal') {
              metrics.errors.inc({ code: 'INTERNAL', reason: dependencyErrorFacts(error).sqlState ?? 'unknown' });
              throw new AppError('INTERNAL', `insert failed: ${describeDependencyError(error)}`, { cause: error, retriable: false });
            }
            throw error;
          }
        },
        {
          isTransient: (error) => !(error instanceof AppError) || error.retriable,
          maxDelayMs: this.options.retryMaxMs,
          keepAlive: () => context.heartbeat(),
          shouldStop: () => context.shouldStop(),
          onRetry: (error, attempt, delayMs) => {
            const facts = dependencyErrorFacts(error);
            metrics.databaseUp.set(0);
            metrics.insertRetries.inc();
            metrics.errors.inc({ code: 'UNAVAILABLE', reason: facts.sqlState ?? facts.adapterKind ?? facts.socketCode ?? 'unknown' });
            this.log.warn({ topic: context.topic, partition: context.partition, attempt, delayMs, error: describeDependencyError(error) }, 'Postgres unavailable; retrying the insert');
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryAbortedError) return 'stopped';
      throw error;
    }
  }

  private letter(record: ConsumedRecord, reason: string, context: PartitionContext): DeadLetter {
    return { topic: context.topic, partition: context.partition, offset: record.offset, key: record.key, value: record.value, headers: record.headers, reason };
  }
}
