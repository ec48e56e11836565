import { type MessageRecord, parseMessageEvent, sentAsV1 } from '@chat/protocol';
import { type GroupMembership, type Logger, moduleLogger, watchGroupMembership } from '@chat/service-kit';
import type { Consumer, Kafka } from 'kafkajs';

/** Settings of {@link PromptConsumer}. */
export interface PromptConsumerOptions {
  kafka: Kafka;
  /** The assistant's own group: it reads every message beside the persister, never instead of it. */
  groupId: string;
  topic: string;
  sessionTimeoutMs: number;
  /** Partitions handled at once: prompts of different partitions are answered in parallel. */
  concurrency: number;
  /** Handles one record; rejects to have it consumed again. */
  handle(record: MessageRecord): Promise<void>;
  logger: Logger;
  /** Called when the consumer crashed and kafkajs will not restart it (the process should exit). */
  onFatal(error: Error): void;
}

/**
 * The worker's intake: a member of its own consumer group on the messages topic. Records are handled
 * one at a time per partition (one room's prompts are answered in order) and the offset moves on only
 * after the handler resolved. A new group starts at the end of the topic: old prompts are not answered.
 */
export class PromptConsumer {
  private readonly consumer: Consumer;
  private readonly log: Logger;
  private readonly membership: GroupMembership;
  private readonly heartbeatMs: number;

  constructor(private readonly options: PromptConsumerOptions) {
    this.log = moduleLogger(options.logger, 'consumer');
    this.heartbeatMs = Math.max(500, Math.floor(options.sessionTimeoutMs / 10));
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: 1_000,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatMs,
    });
    this.membership = watchGroupMembership(this.consumer, this.log, options.onFatal);
  }

  /** True while this member belongs to the group and reads its partitions. */
  isConsuming(): boolean {
    return this.membership.fetching;
  }

  async start(): Promise<void> {
    const { topic, handle } = this.options;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: false });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.concurrency,
      eachMessage: async ({ message, partition, heartbeat }) => {
        const parsed = parseMessageEvent(parseJson(message.value?.toString('utf8')));
        // A malformed record is the persister's to dead-letter; it asks nothing of the assistant. Nor do
        // edits, deletions and reactions: only a sent message can be a prompt.
        if (!parsed.ok || parsed.event.kind !== 'message.sent') return void this.log.debug({ partition, offset: message.offset }, 'skipping a record that is not a sent message');
        const record = sentAsV1(parsed.event);
        // A model can think for longer than the session timeout before its first token: heartbeats go on
        // meanwhile, or the group would take the partition away mid-answer and hand the prompt to another member.
        const beat = setInterval(() => void heartbeat().catch(() => undefined), this.heartbeatMs);
        try {
          await handle(record);
        } finally {
          clearInterval(beat);
        }
      },
    });
  }

  /** Leaves the group after the record in hand (the caller aborts its model call first). */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** The JSON value of a record, or undefined when it is none (a record the schema then refuses). */
function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
