import type { PrismaClient } from '@chat/db';
import type { ChatMessage } from '@chat/protocol';

export interface MessageHistory {
  /** Up to `limit` messages of a room, oldest first, ending just before `before` (or at the newest). */
  page(roomId: string, limit: number, before?: string): Promise<ChatMessage[]>;
}

interface MessageRow {
  id: string;
  room_id: string;
  sender_id: string;
  sender_username: string;
  body: string;
  client_msg_id: string;
  created_at: Date;
}

export function createMessageHistory(db: PrismaClient): MessageHistory {
  return {
    async page(roomId, limit, before) {
      // Newest first on the (room_id, id DESC) index, then reversed: one index range scan per page.
      // ORDER BY names the table's column: a bare `id` would be the output column `id::text`, whose
      // text order no index has (a sort of the whole room: 1.2 s instead of 0.1 ms on a million rows).
      const rows = before
        ? await db.$queryRaw<MessageRow[]>`
            SELECT id::text, room_id::text, sender_id::text, sender_username, body, client_msg_id, created_at
              FROM messages WHERE room_id = ${roomId}::uuid AND id < ${before}::uuid
             ORDER BY messages.id DESC LIMIT ${limit}`
        : await db.$queryRaw<MessageRow[]>`
            SELECT id::text, room_id::text, sender_id::text, sender_username, body, client_msg_id, created_at
              FROM messages WHERE room_id = ${roomId}::uuid
             ORDER BY messages.id DESC LIMIT ${limit}`;
      return rows.reverse().map((r) => ({
        id: r.id,
        roomId: r.room_id,
        body: r.body,
        clientMsgId: r.client_msg_id,
        sender: { id: r.sender_id, username: r.sender_username },
        createdAt: r.created_at.toISOString(),
      }));
    },
  };
}
