import type { PrismaClient } from '@chat/db';
import type { MessageEvent, MessageSentEvent, ReadMarkedEvent } from '@chat/protocol';

type Statement = ReturnType<PrismaClient['$executeRaw']>;

/**
 * The attention part of a batch (issue 15), run after the message statements in the same transaction:
 * - mentions of new messages: the `mentions` column and one `message_mentions` row per mentioned user,
 *   only for messages that stand (a send and its deletion in one batch leave no mention behind);
 * - deleted messages lose their mention rows (a tombstone mentions nobody);
 * - `read.marked`: the marker per (user, room) becomes the greatest of the stored and the new message
 *   id (UUIDv7: greatest is newest), so markers never move back whatever order they arrive in.
 * Every statement is idempotent: a replayed batch changes nothing.
 */
export function attentionStatements(p: PrismaClient, events: readonly MessageEvent[]): Statement[] {
  const statements: Statement[] = [];
  const mentioning = events.filter((e): e is MessageSentEvent => e.kind === 'message.sent' && e.mentions.length > 0);
  if (mentioning.length > 0) {
    // unnest flattens a two-dimensional array, so each message's ids travel as one comma-joined text.
    statements.push(p.$executeRaw`
      UPDATE messages m SET mentions = string_to_array(x.ids, ',')::uuid[]
        FROM unnest(${mentioning.map((e) => e.messageId)}::uuid[], ${mentioning.map((e) => e.mentions.join(','))}::text[]) AS x(id, ids)
       WHERE m.id = x.id AND m.deleted_at IS NULL AND m.mentions = '{}'`);
    const pairs = mentioning.flatMap((e) => e.mentions.map((userId) => ({ userId, roomId: e.roomId, messageId: e.messageId })));
    statements.push(p.$executeRaw`
      INSERT INTO message_mentions (user_id, room_id, message_id)
      SELECT x.user_id, x.room_id, x.message_id
        FROM unnest(${pairs.map((x) => x.userId)}::uuid[], ${pairs.map((x) => x.roomId)}::uuid[], ${pairs.map((x) => x.messageId)}::uuid[])
             AS x(user_id, room_id, message_id)
       WHERE EXISTS (SELECT 1 FROM messages m WHERE m.id = x.message_id AND m.room_id = x.room_id AND m.deleted_at IS NULL)
      ON CONFLICT DO NOTHING`);
  }
  const deleted = events.filter((e) => e.kind === 'message.deleted').map((e) => e.messageId);
  if (deleted.length > 0) statements.push(p.$executeRaw`DELETE FROM message_mentions WHERE message_id = ANY(${deleted}::uuid[])`);
  const markers = greatestMarkers(events.filter((e): e is ReadMarkedEvent => e.kind === 'read.marked'));
  if (markers.length > 0) {
    statements.push(p.$executeRaw`
      INSERT INTO read_markers (user_id, room_id, last_read_id, updated_at)
      SELECT * FROM unnest(${markers.map((e) => e.actorId)}::uuid[], ${markers.map((e) => e.roomId)}::uuid[],
                           ${markers.map((e) => e.messageId)}::uuid[], ${markers.map((e) => e.at)}::timestamptz[])
      ON CONFLICT (user_id, room_id) DO UPDATE SET last_read_id = EXCLUDED.last_read_id, updated_at = EXCLUDED.updated_at
       WHERE read_markers.last_read_id < EXCLUDED.last_read_id`);
  }
  return statements;
}

/** Per (user, room), the marker with the greatest message id: one statement may touch a row only once. */
export function greatestMarkers(events: readonly ReadMarkedEvent[]): ReadMarkedEvent[] {
  const greatest = new Map<string, ReadMarkedEvent>();
  for (const e of events) {
    const key = `${e.actorId} ${e.roomId}`;
    const seen = greatest.get(key);
    if (!seen || seen.messageId < e.messageId) greatest.set(key, e);
  }
  return [...greatest.values()];
}
