import { z } from 'zod';
import { LIMITS } from './limits';
import { storedBodySchema } from './text';

/** Topic names, shared by the gateway (producer), the persister (consumer) and the manifests. */
export const TOPICS = {
  messages: 'chat.messages.v1',
  deadLetter: 'chat.messages.dlq.v1',
} as const;

/**
 * The value of one record on the messages topic (JSON). The key is the roomId, so one room's
 * messages stay in one partition, in order. Versioned so that a later shape can live beside it.
 */
export const messageRecordSchema = z.strictObject({
  v: z.literal(1),
  id: z.uuid(),
  roomId: z.uuid(),
  senderId: z.uuid(),
  senderUsername: z.string().min(1).max(LIMITS.usernameMax),
  /** The very schema the gateway's send schema ends in: what was acked is what can be stored. */
  body: storedBodySchema,
  clientMsgId: z.string().min(1).max(LIMITS.clientMsgIdMax),
  createdAt: z.iso.datetime(),
});
export type MessageRecord = z.infer<typeof messageRecordSchema>;

/** Headers put on a dead-lettered record, beside the original key and value. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
} as const;
