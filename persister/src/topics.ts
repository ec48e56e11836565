import type { Admin } from 'kafkajs';
import { type Logger, moduleLogger } from '@chat/service-kit';

/** The topics the persister reads and writes, for {@link ensureTopics}. */
export interface TopicLayout {
  messagesTopic: string;
  messagesPartitions: number;
  deadLetterTopic: string;
}

/**
 * Creates the messages and dead-letter topics when they do not exist (local runs and tests; in
 * Kubernetes Strimzi's KafkaTopic resources own them and this is switched off). Existing topics are
 * left as they are, whatever their partition count. Safe when several replicas start at once.
 */
export async function ensureTopics(admin: Admin, layout: TopicLayout, logger: Logger): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [
    { topic: layout.messagesTopic, numPartitions: layout.messagesPartitions },
    // Dead letters are rare; one partition keeps them in one ordered list for whoever replays them.
    { topic: layout.deadLetterTopic, numPartitions: 1 },
  ].filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  // kafkajs ignores TOPIC_ALREADY_EXISTS, so a replica that loses the race just goes on.
  await admin.createTopics({ topics: missing, waitForLeaders: true });
  moduleLogger(logger, 'topics').info({ topics: missing.map((t) => t.topic) }, 'created missing topics');
}
