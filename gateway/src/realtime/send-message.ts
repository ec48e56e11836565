import { describeIssue, type ChatMessage, type MessageRecord, type PublicUser, sendMessageSchema } from '@chat/protocol';
import { AppError, type Logger } from '@chat/service-kit';
import type { AttachmentGate } from '../files/file-service';
import type { MessageBus } from '../message-bus';
import type { Metrics } from '../metrics';
import { newId } from '../store/ids';
import type { MessageClaims } from '../redis/message-claims';

export interface SendMessageDeps {
  claims: MessageClaims;
  bus: MessageBus;
  /** Delivers a durable message to every member online, on every gateway (and to the sender). */
  broadcast: (message: ChatMessage) => void;
  metrics: Metrics;
  log: Logger;
  /** Files: absent where a sender can attach none (messages with attachments are then refused). */
  attachments?: AttachmentGate;
}

export const toRecord = (m: ChatMessage): MessageRecord => ({
  v: 1,
  id: m.id,
  roomId: m.roomId,
  senderId: m.sender.id,
  senderUsername: m.sender.username,
  body: m.body,
  clientMsgId: m.clientMsgId,
  createdAt: m.createdAt,
  ...(m.attachments ? { attachments: m.attachments.map(({ id, name, size, contentType }) => ({ id, name, size, contentType })) } : {}),
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
  if (!isMember(roomId)) throw new AppError('FORBIDDEN', 'you are not a member of this room');
  const attachments = await checkAttachments(deps, sender, roomId, clientMsgId, attachmentIds);

  let message: ChatMessage = { id: newId(), roomId, body, clientMsgId, sender, createdAt: new Date().toISOString(), ...(attachments ? { attachments } : {}) };
  let claim;
  try {
    claim = await deps.claims.claim(message, rateLimit);
  } catch (error) {
    throw new AppError('UNAVAILABLE', 'the message could not be accepted right now; retry with the same clientMsgId', { cause: error });
  }
  if (claim.kind === 'limited') {
    throw new AppError('RATE_LIMITED', `too many messages: wait ${Math.ceil(claim.retryAfterMs / 1000)} s`, { retryAfterMs: claim.retryAfterMs });
  }
  if (claim.kind === 'existing') {
    message = claim.message;
    if (claim.committed) {
      deps.metrics.messages.inc({ result: 'duplicate' });
      return message;
    }
  }

  if (attachmentIds?.length) await deps.attachments!.attach(sender, roomId, message.id, clientMsgId, attachmentIds);
  await deps.bus.publish(toRecord(message));
  deps.claims.commit(message).catch((error: unknown) => deps.log.warn({ err: error, messageId: message.id }, 'could not mark message as committed'));
  deps.broadcast(message);
  deps.metrics.messages.inc({ result: claim.kind === 'new' ? 'accepted' : 'duplicate' });
  return message;
}
