import type { Consumer, Kafka } from 'kafkajs';
import { type GroupMembership, type Logger, moduleLogger, watchGroupMembership } from '@chat/service-kit';
import type { BatchProcessor } from './batch-processor';
import { DeferredCommits, type PartitionOffset } from './deferred-commits';
import type { PersisterMetrics } from './metrics';

/** Settings of {@link BatchConsumer}. */
export interface BatchConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** Group session timeout in milliseconds; heartbeats go out ten times per timeout. */
  sessionTimeoutMs: number;
  processor: BatchProcessor;
  metrics: PersisterMetrics;
  logger: Logger;
  /** Called once when the consumer crashed and kafkajs will not restart it (the process should exit). */
  onFatal(error: Error): void;
}

/*
 * Fetch tuning, measured with `npm run bench -- --scenarios persister` on 2 cores: chat records are ~300-600 bytes,
 * so 2 MiB per partition gives batches of a few thousand rows (about one PERSISTER_BATCH_MAX INSERT)
 * and a fetch response of at most 16 MiB bounds memory per broker. Two partitions at once let
 * Postgres write one batch while Node.js decodes the next; more only adds contention on two cores.
 */
const MAX_BYTES_PER_PARTITION = 2 * 1024 * 1024;
const MAX_BYTES = 16 * 1024 * 1024;
const PARTITIONS_CONSUMED_CONCURRENTLY = 2;
/** Stored records' offsets are committed at most once a second, all partitions in one request (deferred-commits.ts). */
const COMMIT_INTERVAL_MS = 1_000;

const byTopic = (offsets: PartitionOffset[]) => {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
};

/**
 * The Kafka side of the persister: a consumer group member on the messages topic that hands each
 * partition batch to the {@link BatchProcessor} and commits offsets itself (autoCommit off), only for
 * records the processor finished.
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private readonly log: Logger;
  private readonly membership: GroupMembership;
  private readonly commits: DeferredCommits;

  constructor(private readonly options: BatchConsumerOptions) {
    this.log = moduleLogger(options.logger, 'consumer');
    this.commits = new DeferredCommits(COMMIT_INTERVAL_MS, (offsets) => this.consumer.commitOffsets(offsets), this.log);
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      maxBytes: MAX_BYTES,
      // An idle long-poll ends within a second: a stop (which waits for the fetch in flight) takes ~1 s, not 5.
      maxWaitTimeInMs: 1_000,
      // A member waiting for Postgres heartbeats from the retry loop, so the session can stay short
      // and a crashed member's partitions move on quickly.
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
    });
    this.membership = watchGroupMembership(this.consumer, this.log, options.onFatal);
  }

  /** True while this member belongs to the group (between joining and stopping or crashing). */
  isJoined(): boolean {
    return this.membership.joined;
  }

  /** Connects, subscribes and starts consuming; resolves once consumption runs (not when joined). */
  async start(): Promise<void> {
    const { topic, processor, metrics } = this.options;
    await this.consumer.connect();
    // A new group starts at the beginning: every record already in the topic must reach Postgres.
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        if (batch.isEmpty()) return;
        const finished = await processor.process(batch.messages, {
          topic: batch.topic,
          partition: batch.partition,
          heartbeat,
          shouldStop: () => !isRunning() || isStale(),
          commit: async (offset) => {
            resolveOffset(offset);
            // The committed offset is the next record to read. A stopping consumer commits the chunk in hand at once.
            const next = { topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() };
            await this.commits.stored(next, (offsets) => commitOffsetsIfNecessary({ topics: byTopic(offsets) }), !isRunning());
          },
        });
        if (finished) metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
      },
    });
  }

  /**
   * Stops consuming: the batch in hand finishes its current chunk and commits it (or, while waiting
   * for Postgres, gives up without committing), then the member leaves the group.
   */
  async stop(): Promise<void> {
    await this.commits.close();
    await this.consumer.disconnect();
  }
}
