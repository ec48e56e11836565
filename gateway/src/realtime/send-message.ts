import { describeIssue, type ChatMessage, freshMessageFields, type MessageSentEvent, type PublicUser, sendMessageSchema } from '@chat/protocol';
import { AppError, type Logger } from '@chat/service-kit';
import type { AttachmentGate } from '../files/file-service';
import type { MessageBus } from '../message-bus';
import type { Metrics } from '../metrics';
import { newId } from '../store/ids';
import type { LiveMessages } from '../redis/live-messages';
import type { MessageClaims } from '../redis/message-claims';
import { produceEvent } from './produce-event';
import type { RoomPolicy } from '../rooms/room-policy';
import { notAMember } from '../rooms/permissions';

export interface SendMessageDeps {
  claims: MessageClaims;
  bus: MessageBus;
  /** Live message state (Redis, falling back to PostgreSQL): threads, edits and reactions read it; its scripts broadcast changes. */
  live: LiveMessages;
  /** Delivers a durable message to every member online, on every gateway (and to the sender). */
  broadcast: (message: ChatMessage) => void;
  metrics: Metrics;
  log: Logger;
  /** Files: absent where a sender can attach none (messages with attachments are then refused). */
  attachments?: AttachmentGate;
  /** Who a body mentions among the room's members (attention/mentions.ts); no mentions without it. */
  resolveMentions?: (roomId: string, senderId: string, body: string) => Promise<string[]>;
  /** Archived rooms and muted members (issue 16); absent, nothing is refused for them. */
  roomPolicy?: Pick<RoomPolicy, 'assertMaySpeak' | 'mayDeleteOthers' | 'recordModeratorDelete'>;
}

/** The `message.sent` event of a message (its id is the event's). */
export const toSentEvent = (m: ChatMessage): MessageSentEvent => ({
  v: 2,
  kind: 'message.sent',
  eventId: m.id,
  messageId: m.id,
  roomId: m.roomId,
  actorId: m.sender.id,
  at: m.createdAt,
  senderUsername: m.sender.username,
  body: m.body,
  clientMsgId: m.clientMsgId,
  parentId: m.parentId,
  ...(m.attachments ? { attachments: m.attachments.map(({ id, name, size, contentType }) => ({ id, name, size, contentType })) } : {}),
  mentions: m.mentions ?? [],
});

/** The attachments a send names, checked (uploader, room, stored size and type, first bytes) before anything is claimed. */
async function checkAttachments(deps: SendMessageDeps, sender: PublicUser, roomId: string, clientMsgId: string, ids: string[] | undefined) {
  if (!ids || ids.length === 0) return undefined;
  if (!deps.attachments) throw new AppError('VALIDATION', 'this sender cannot attach files');
  return deps.attachments.verify(sender, roomId, clientMsgId, ids);
}

/**
 * The send path of DESIGN.md: validate, authorize, dedupe and rate-limit (one Redis round trip), make it
 * durable in Kafka, and only then broadcast it and hand it back for the ack. A resend with the same
 * clientMsgId gets the message claimed first (same id), so retries never create a second message; if the
 * first attempt never reached Kafka, the resend produces it (the persister dedupes by id either way).
 * A reply (`parentId`) joins the thread of the top-level message in the same room; the parent's new
 * reply count goes out as `message:updated`.
 */
export async function sendMessage(
  deps: SendMessageDeps,
  sender: PublicUser,
  isMember: (roomId: string) => boolean,
  input: unknown,
  /** Messages per rate window for this sender, if not the configured one (service senders). */
  rateLimit?: number,
): Promise<ChatMessage> {
  const parsed = sendMessageSchema.safeParse(input);
  if (!parsed.success) throw new AppError('VALIDATION', describeIssue(parsed.error));
  const { roomId, body, clientMsgId, attachments: attachmentIds } = parsed.data;
  // Not revealing whether a room exists: a room one is not in is forbidden, existing or not.
  if (!isMember(roomId)) throw notAMember();
  await deps.roomPolicy?.assertMaySpeak(roomId, sender.id, 'send');
  const threadId = parsed.data.parentId === undefined ? null : await threadOf(deps, roomId, parsed.data.parentId);
  const attachments = await checkAttachments(deps, sender, roomId, clientMsgId, attachmentIds);

  const mentions = deps.resolveMentions ? await mentionsOf(deps.resolveMentions, roomId, sender.id, body) : [];
  let message: ChatMessage = {
    id: newId(),
    roomId,
    body,
    clientMsgId,
    sender,
    createdAt: new Date().toISOString(),
    ...freshMessageFields(threadId),
    mentions,
    ...(attachments ? { attachments } : {}),
  };
  let claim;
  try {
    claim = await deps.claims.claim(message, rateLimit);
  } catch (error) {
    throw new AppError('UNAVAILABLE', 'the message could not be accepted right now; retry with the same clientMsgId', { cause: error });
  }
  if (claim.kind === 'limited') {
    throw new AppError('RATE_LIMITED', `too many messages: wait ${Math.ceil(claim.retryAfterMs / 1000)} s`, { retryAfterMs: claim.retryAfterMs });
  }
  if (claim.kind === 'conflict') {
    // Acking the other room's message would tell the client its message went here: it did not.
    throw new AppError('CONFLICT', 'this clientMsgId was already used for a message in another room: use a new one');
  }
  if (claim.kind === 'existing') {
    // A claim written by a gateway of the previous version has none of the living-message fields.
    message = { ...freshMessageFields(), ...claim.message };
    if (claim.committed) {
      deps.metrics.messages.inc({ result: 'duplicate' });
      return message;
    }
  }

  try {
    // Before the produce: once the event is on the log the files are this message's (resend-safe).
    if (attachmentIds?.length) await deps.attachments!.attach(sender, roomId, message.id, clientMsgId, attachmentIds);
    await produceEvent(deps.bus, toSentEvent(message), () => announceSent(deps, message));
  } catch (error) {
    // Not sent, so not counted: the client's retry (same clientMsgId) is counted when it gets through.
    deps.claims.release(message).catch((releaseError: unknown) => deps.log.warn({ err: releaseError, messageId: message.id }, 'could not release a rate-limit count'));
    throw error;
  }
  deps.metrics.messages.inc({ result: claim.kind === 'new' ? 'accepted' : 'duplicate' });
  return message;
}

/** The mentions of a body, resolved on the server (UNAVAILABLE when the members cannot be read). */
async function mentionsOf(resolve: NonNullable<SendMessageDeps['resolveMentions']>, roomId: string, senderId: string, body: string): Promise<string[]> {
  try {
    return await resolve(roomId, senderId, body);
  } catch (error) {
    throw new AppError('UNAVAILABLE', 'the mentions could not be resolved right now; retry with the same clientMsgId', { cause: error });
  }
}

/**
 * In the tick Kafka acknowledged (see produce-event.ts): the records (claim committed, message live),
 * then the broadcast, then for a reply its thread's parent counted once more, which its script
 * announces. Awaited before the ack, so that an edit or a reaction right after it (on any gateway) finds
 * the message live; never rejects (the message is durable either way: a failure here is logged).
 */
function announceSent(deps: SendMessageDeps, message: ChatMessage): Promise<void> {
  const warn = (what: string) => (error: unknown) => deps.log.warn({ err: error, messageId: message.id }, what);
  const recorded = Promise.all([deps.claims.commit(message), deps.live.create(message)]).catch(warn('could not record the durable message in Redis'));
  deps.broadcast(message);
  const counted =
    message.parentId === null
      ? undefined
      : deps.live.apply(message.parentId, message.roomId, { op: 'reply', replyId: message.id, at: message.createdAt, present: true }).catch(warn('could not update the thread parent'));
  return Promise.all([recorded, counted]).then(() => undefined);
}

/** The top-level message whose thread a reply to `parentId` joins; NOT_FOUND unless it stands in the room. */
async function threadOf(deps: SendMessageDeps, roomId: string, parentId: string): Promise<string> {
  let parent;
  try {
    parent = await deps.live.load(parentId);
  } catch (error) {
    throw new AppError('UNAVAILABLE', 'the thread could not be read right now; retry with the same clientMsgId', { cause: error });
  }
  if (!parent || parent.state.roomId !== roomId || parent.state.deletedAt !== null) throw new AppError('NOT_FOUND', 'no message to reply to in this room');
  return parent.state.parentId ?? parent.state.id;
}
