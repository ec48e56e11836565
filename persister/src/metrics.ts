import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcome of a consumed record: a new message, a message stored already, a change (edit, deletion, reaction) applied, or dead-lettered. */
export type MessageResult = 'inserted' | 'duplicate' | 'change' | 'dead_lettered';

/** The persister's Prometheus metrics, on a registry of their own (served at /metrics). */
export interface PersisterMetrics {
  readonly registry: Registry;
  /** Rows per INSERT statement. */
  readonly batchSize: Histogram<never>;
  /** Seconds one INSERT took (successful ones). */
  readonly insertSeconds: Histogram<never>;
  /** Records by outcome. */
  readonly messages: Counter<'result'>;
  /** Records behind the partition's high watermark after the last batch. */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** Failures by catalogue code (UNAVAILABLE, VALIDATION, INTERNAL) and the SQLSTATE or reason behind it. */
  readonly errors: Counter<'code' | 'reason'>;
  /** Failed insert attempts that are being retried (Postgres unavailable). */
  readonly insertRetries: Counter<never>;
  /** 1 while inserts succeed, 0 while the persister waits for Postgres to come back. */
  readonly databaseUp: Gauge<never>;
}

/** Creates the metrics and the default process metrics (CPU, memory, event loop lag, GC). */
export function createMetrics(): PersisterMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: PersisterMetrics = {
    registry,
    batchSize: new Histogram({
      name: 'persister_insert_batch_rows',
      help: 'Rows written by one INSERT statement',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    insertSeconds: new Histogram({
      name: 'persister_insert_duration_seconds',
      help: 'Duration of one successful INSERT statement',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    messages: new Counter({ name: 'persister_messages_total', help: 'Records consumed, by outcome', labelNames: ['result'], registers }),
    consumerLag: new Gauge({
      name: 'persister_consumer_lag',
      help: 'Records between the last processed offset and the high watermark, per partition',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    errors: new Counter({ name: 'persister_errors_total', help: 'Failures, by error code and reason', labelNames: ['code', 'reason'], registers }),
    insertRetries: new Counter({ name: 'persister_insert_retries_total', help: 'INSERT attempts that failed because Postgres was unavailable and will be retried', registers }),
    databaseUp: new Gauge({ name: 'persister_database_up', help: '1 while inserts succeed, 0 while waiting for Postgres to come back', registers }),
  };
  // Results appear at 0 from the start, so rate() queries work before the first dead letter.
  for (const result of ['inserted', 'duplicate', 'change', 'dead_lettered'] satisfies MessageResult[]) metrics.messages.inc({ result }, 0);
  metrics.databaseUp.set(1);
  return metrics;
}
