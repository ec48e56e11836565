import { z } from 'zod';
import { LIMITS } from './limits';

/** Topic names, shared by the gateway (producer), the persister (consumer) and the manifests. */
export const TOPICS = {
  messages: 'chat.messages.v1',
  deadLetter: 'chat.messages.dlq.v1',
} as const;

/** A file as a message record carries it. */
export const attachmentRecordSchema = z.strictObject({
  id: z.uuid(),
  name: z.string().min(1).max(LIMITS.fileNameMax),
  size: z.number().int().min(1),
  contentType: z.string().min(1).max(255),
});
export type AttachmentRecord = z.infer<typeof attachmentRecordSchema>;

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
  /** Empty only when the message carries files. */
  body: z.string().max(LIMITS.bodyMax),
  clientMsgId: z.string().min(1).max(LIMITS.clientMsgIdMax),
  createdAt: z.iso.datetime(),
  /** The files of the message: metadata only, the bytes are in object storage. */
  attachments: z.array(attachmentRecordSchema).max(LIMITS.attachmentsMax).optional(),
}).refine((r) => r.body.length >= LIMITS.bodyMin || (r.attachments?.length ?? 0) > 0, { path: ['body'], message: 'empty message without files' });
export type MessageRecord = z.infer<typeof messageRecordSchema>;

/** Headers put on a dead-lettered record, beside the original key and value. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
} as const;
