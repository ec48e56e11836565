import { describeIssue, type PublicUser, readMarkSchema } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import type { MessageBus } from '../message-bus';
import { newId } from '../store/ids';
import type { RecentMarkers } from './recent-markers';
import { notAMember } from '../rooms/permissions';

export interface MarkReadDeps {
  bus: MessageBus;
  markers: RecentMarkers;
}

/** A marker may name a message at most this far in the future (clock skew between gateways). */
const FUTURE_SLACK_MS = 60_000;

/** The creation time a UUIDv7 carries (its first 48 bits), in ms since the epoch. */
const timeOfV7 = (id: string): number => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

/**
 * `room:read`: moves the reader's marker in the room forward. An older marker than the one in force is
 * answered with the one in force and changes nothing. A newer one is made durable first (a `read.marked`
 * event on the room's partition, which the persister applies with GREATEST), then recorded in Redis; the
 * caller pushes it to the reader's other sockets when it moved. The id must be a UUIDv7 not from the
 * future: a marker past every message would hide the room's next messages from its counts for good.
 */
export async function markRead(
  deps: MarkReadDeps,
  user: PublicUser,
  isMember: (roomId: string) => boolean,
  input: unknown,
): Promise<{ roomId: string; lastReadId: string; moved: boolean }> {
  const parsed = readMarkSchema.safeParse(input);
  if (!parsed.success) throw new AppError('VALIDATION', describeIssue(parsed.error));
  const roomId = parsed.data.roomId;
  const messageId = parsed.data.messageId.toLowerCase();
  if (!isMember(roomId)) throw notAMember();
  if (messageId[14] !== '7' || timeOfV7(messageId) > Date.now() + FUTURE_SLACK_MS) {
    throw new AppError('VALIDATION', 'messageId must be the id of a message');
  }
  let held: string | undefined;
  try {
    held = await deps.markers.get(user.id, roomId);
  } catch (error) {
    throw new AppError('UNAVAILABLE', 'the read marker could not be read right now; retry', { cause: error });
  }
  if (held !== undefined && held >= messageId) return { roomId, lastReadId: held, moved: false };
  await deps.bus.publish({ v: 2, kind: 'read.marked', eventId: newId(), roomId, actorId: user.id, at: new Date().toISOString(), messageId });
  try {
    return { roomId, ...(await deps.markers.advance(user.id, roomId, messageId)) };
  } catch {
    // Durable already (Kafka acked): only the fast path is missing until Redis is back.
    return { roomId, lastReadId: messageId, moved: true };
  }
}
