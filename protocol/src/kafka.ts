import { z } from 'zod';
import { LIMITS } from './limits';
import { ROOM_MENTION_MAX_MEMBERS } from './attention';
import { storedBodySchema, storedTextSchema } from './text';
import { ROOM_ACTIVITY_ACTIONS } from './activity';

/** Topic names, shared by the gateway (producer), the persister (consumer) and the manifests. */
export const TOPICS = {
  messages: 'chat.messages.v1',
  deadLetter: 'chat.messages.dlq.v1',
} as const;

const text = (max: number) => z.string().min(1).max(max);
/** The very schema the gateway's send schema ends in: what was acked is what can be stored. */
const body = storedBodySchema;

/** A file as a `message.sent` event carries it: metadata only, the bytes are in object storage. */
export const attachmentRecordSchema = z.strictObject({
  id: z.uuid(),
  name: z.string().min(1).max(LIMITS.fileNameMax),
  size: z.number().int().min(1),
  contentType: z.string().min(1).max(255),
});
export type AttachmentRecord = z.infer<typeof attachmentRecordSchema>;

/**
 * Version 1 of a messages-topic record (JSON): one sent message, nothing else. Gateways before the
 * event envelope wrote these; the persister still applies them (as `message.sent`) so that a topic
 * holding both kinds replays to the same rows. The key is the roomId, like every record on the topic.
 */
export const messageRecordV1Schema = z.strictObject({
  v: z.literal(1),
  id: z.uuid(),
  roomId: z.uuid(),
  senderId: z.uuid(),
  senderUsername: text(LIMITS.usernameMax),
  body,
  clientMsgId: text(LIMITS.clientMsgIdMax),
  createdAt: z.iso.datetime(),
});
export type MessageRecordV1 = z.infer<typeof messageRecordV1Schema>;
/** The version-1 names, kept for the producers of v1 records (tests, benchmarks) and older readers. */
export const messageRecordSchema = messageRecordV1Schema;
export type MessageRecord = MessageRecordV1;

/**
 * What every version-2 record carries: `eventId` (a UUIDv7, time-ordered: the version that decides
 * between two edits, or an add and a remove of one reaction, whatever order they are applied in),
 * the room (also the record key), who did it and when (ISO 8601, UTC, milliseconds).
 * Readers ignore fields they do not know: a later gateway may add optional fields within version 2;
 * a change of meaning takes a new `v`.
 */
const envelope = {
  v: z.literal(2),
  eventId: z.uuid(),
  roomId: z.uuid(),
  actorId: z.uuid(),
  at: z.iso.datetime(),
};

/** A new message (`messageId` equals `eventId`; `at` is its createdAt; the actor is the sender). */
export const messageSentEventSchema = z.object({
  ...envelope,
  kind: z.literal('message.sent'),
  messageId: z.uuid(),
  senderUsername: text(LIMITS.usernameMax),
  /** Empty only when the message carries files (the gateway's send schema, the same rule). */
  body: storedTextSchema,
  clientMsgId: text(LIMITS.clientMsgIdMax),
  /** The top-level message whose thread this reply is in; null for a top-level message. */
  parentId: z.uuid().nullable().default(null),
  /** Who the body mentions (resolved by the gateway at send time, never taken from a client); none by default. */
  mentions: z.array(z.uuid()).max(ROOM_MENTION_MAX_MEMBERS).default([]),
  /**
   * The files of the message (absent when none): the gateway checked and attached them before the
   * produce; the thumbnail worker reads them from here.
   */
  attachments: z.array(attachmentRecordSchema).max(LIMITS.attachmentsMax).optional(),
}).refine((e) => e.body.length >= LIMITS.bodyMin || (e.attachments?.length ?? 0) > 0, { path: ['body'], message: 'message must not be empty' });

/** The sender replaced the body (`at` is the new editedAt). The edit with the greatest eventId wins. */
export const messageEditedEventSchema = z.object({ ...envelope, kind: z.literal('message.edited'), messageId: z.uuid(), body });

/** The message became a tombstone (`at` is its deletedAt): body emptied, reactions gone, edits refused from then on. */
export const messageDeletedEventSchema = z.object({ ...envelope, kind: z.literal('message.deleted'), messageId: z.uuid() });

/** The actor reacted with `emoji` (a normalized emoji, never a shortcode). */
export const reactionAddedEventSchema = z.object({ ...envelope, kind: z.literal('reaction.added'), messageId: z.uuid(), emoji: text(64) });

/** The actor took their `emoji` reaction back. */
export const reactionRemovedEventSchema = z.object({ ...envelope, kind: z.literal('reaction.removed'), messageId: z.uuid(), emoji: text(64) });

/**
 * The actor read the room up to `messageId` (`at` is when). Applied with GREATEST: a marker never moves
 * back, whatever order markers are applied in. An older persister dead-letters this kind: it rolls first.
 */
export const readMarkedEventSchema = z.object({ ...envelope, kind: z.literal('read.marked'), messageId: z.uuid() });

/**
 * A membership or moderation change of the room (a timeline entry, protocol/src/activity.ts): `eventId`
 * is the entry's id (its audit entry's, where it has one), `actorId` who did it, `targetId` to whom.
 * PostgreSQL already holds the change itself (authorization must hold at once); this record puts it in
 * the room's order and history. Applied with ON CONFLICT DO NOTHING. Older persisters dead-letter it: they roll first.
 */
export const roomActivityEventSchema = z.object({
  ...envelope,
  kind: z.literal('room.activity'),
  action: z.enum(ROOM_ACTIVITY_ACTIONS),
  targetId: z.uuid().nullable().default(null),
  details: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Every kind of record on the messages topic, version 2: one discriminated union on `kind`.
 * A new kind joins this union; a reader that meets a kind it does
 * not know yet dead-letters the record (kept, replayable once the reader is upgraded) instead of
 * dropping it.
 */
export const messageEventSchema = z.discriminatedUnion('kind', [
  messageSentEventSchema,
  messageEditedEventSchema,
  messageDeletedEventSchema,
  reactionAddedEventSchema,
  reactionRemovedEventSchema,
  readMarkedEventSchema,
  roomActivityEventSchema,
]);
export type MessageEvent = z.infer<typeof messageEventSchema>;
export type MessageEventKind = MessageEvent['kind'];
export type MessageSentEvent = Extract<MessageEvent, { kind: 'message.sent' }>;
export type MessageEditedEvent = Extract<MessageEvent, { kind: 'message.edited' }>;
export type MessageDeletedEvent = Extract<MessageEvent, { kind: 'message.deleted' }>;
export type RoomActivityRecord = Extract<MessageEvent, { kind: 'room.activity' }>;
export type ReadMarkedEvent = Extract<MessageEvent, { kind: 'read.marked' }>;
export type ReactionEvent = Extract<MessageEvent, { kind: 'reaction.added' | 'reaction.removed' }>;
/** What a producer writes: `parentId` may be left out of a send. */
export type MessageEventInput = z.input<typeof messageEventSchema>;

/** A version-1 record as the `message.sent` event it always meant. */
export function upgradeV1(record: MessageRecordV1): MessageSentEvent {
  return {
    v: 2,
    kind: 'message.sent',
    eventId: record.id,
    messageId: record.id,
    roomId: record.roomId,
    actorId: record.senderId,
    at: record.createdAt,
    senderUsername: record.senderUsername,
    body: record.body,
    clientMsgId: record.clientMsgId,
    parentId: null,
    mentions: [],
  };
}

/** A sent message in the version-1 shape (for readers that only care about sends, like the assistant). */
export function sentAsV1(event: MessageSentEvent): MessageRecordV1 {
  return {
    v: 1,
    id: event.messageId,
    roomId: event.roomId,
    senderId: event.actorId,
    senderUsername: event.senderUsername,
    body: event.body,
    clientMsgId: event.clientMsgId,
    createdAt: event.at,
  };
}

/** Outcome of {@link parseMessageEvent}: the event, or the problems as readable lines. */
export type ParsedMessageEvent = { ok: true; event: MessageEvent } | { ok: false; issues: string[] };

/**
 * Reads one record value (already parsed JSON) of either version as a version-2 event. Pure; the
 * persister adds the checks only the database cares about (NUL characters, impossible dates).
 */
export function parseMessageEvent(json: unknown): ParsedMessageEvent {
  const version = (json as { v?: unknown } | null)?.v;
  const parsed = version === 1 ? messageRecordV1Schema.safeParse(json) : messageEventSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
    if (version !== 1 && version !== 2) issues.unshift(`v: unknown record version ${JSON.stringify(version)}`);
    return { ok: false, issues };
  }
  const data = parsed.data;
  return { ok: true, event: data.v === 1 ? upgradeV1(data) : data };
}

/** Headers put on a dead-lettered record, beside the original key and value. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
} as const;
