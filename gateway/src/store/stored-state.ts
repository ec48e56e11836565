import type { PrismaClient } from '@chat/db';
import type { LiveMessage, StoredState } from '../redis/live-messages';
import { iso, MESSAGE_ROW_COLUMNS, type MessageRowBase } from './message-row';

interface StateRow extends MessageRowBase {
  edit_event_id: string | null;
}

/**
 * A message as the persister stored it, with its reactions (present or taken back, each with the event
 * that decided it) and its thread's standing reply ids: what a gateway seeds an expired live state with.
 */
export function createStoredStateLoader(db: PrismaClient): (messageId: string) => Promise<StoredState | undefined> {
  return async (messageId) => {
    const [row] = await db.$queryRawUnsafe<StateRow[]>(`SELECT ${MESSAGE_ROW_COLUMNS}, edit_event_id::text FROM messages WHERE id = $1::uuid`, messageId);
    if (!row) return undefined;
    const [reactions, replies] = await Promise.all([
      db.$queryRaw<{ emoji: string; user_id: string; event_id: string; present: boolean }[]>`
        SELECT emoji, user_id::text, event_id::text, present FROM message_reactions WHERE message_id = ${messageId}::uuid`,
      row.parent_id === null
        ? db.$queryRaw<{ id: string }[]>`SELECT id::text FROM messages WHERE parent_id = ${messageId}::uuid AND deleted_at IS NULL`
        : Promise.resolve([]),
    ]);
    const state: LiveMessage = {
      id: row.id,
      roomId: row.room_id,
      senderId: row.sender_id,
      senderUsername: row.sender_username,
      body: row.body,
      clientMsgId: row.client_msg_id,
      createdAt: row.created_at.toISOString(),
      parentId: row.parent_id,
      editedAt: iso(row.edited_at),
      editEventId: row.edit_event_id,
      deletedAt: iso(row.deleted_at),
      lastReplyAt: iso(row.last_reply_at),
      reactions: Object.fromEntries(reactions.map((r) => [`${r.emoji}\n${r.user_id}`, { e: r.event_id, p: r.present ? 1 : 0 }])),
      rev: 0,
      mentions: row.mentions,
    };
    return { state, replyIds: replies.map((r) => r.id) };
  };
}
