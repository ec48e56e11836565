import type { PrismaClient } from '@chat/db';
import { type ChatMessage, REACTION_USERS_MAX, type Reaction } from '@chat/protocol';
import { iso, MESSAGE_ROW_COLUMNS, type MessageRowBase } from './message-row';

/** Which page of a room's history: top-level messages, or with `parentId` one thread's replies. */
export interface HistoryPageQuery {
  limit: number;
  /** The page ends just before this message (default: at the newest). */
  before?: string;
  /** The page starts just after this message: the next page forward (a thread read oldest first). */
  after?: string;
  /** The page is centred on this message (it included); a reply's centre is its thread's parent. */
  around?: string;
  /** A thread: the replies of this top-level message. */
  parentId?: string;
}

/** Messages by id, with their reactions (search's results). Pages of history: history-page-query.ts. */
export interface MessageHistory {
  /** The messages with these ids (any room: the caller authorized them), in no particular order. */
  byIds(ids: readonly string[]): Promise<ChatMessage[]>;
}

interface MessageRow extends MessageRowBase {
  reply_count: number;
}

const COLUMNS = `${MESSAGE_ROW_COLUMNS}, reply_count`;

export function createMessageHistory(db: PrismaClient): MessageHistory {
  const reactionsOf = async (ids: string[]): Promise<Map<string, Reaction[]>> => {
    const byMessage = new Map<string, Reaction[]>();
    if (ids.length === 0) return byMessage;
    const rows = await db.$queryRaw<{ message_id: string; emoji: string; count: number; user_ids: string[] }[]>`
      SELECT message_id::text, emoji, count(*)::int AS count,
             (array_agg(user_id::text ORDER BY event_id))[1:${REACTION_USERS_MAX}] AS user_ids
        FROM message_reactions
       WHERE message_id = ANY(${ids}::uuid[]) AND present
       GROUP BY message_id, emoji
       ORDER BY min(event_id::text)`;
    for (const r of rows) {
      const list = byMessage.get(r.message_id) ?? [];
      list.push({ emoji: r.emoji, count: r.count, userIds: r.user_ids });
      byMessage.set(r.message_id, list);
    }
    return byMessage;
  };

  return {
    async byIds(ids) {
      if (ids.length === 0) return [];
      return withReactions(await db.$queryRawUnsafe<MessageRow[]>(`SELECT ${COLUMNS} FROM messages WHERE id = ANY($1::uuid[])`, [...ids]));
    },
  };

  async function withReactions(rows: MessageRow[]): Promise<ChatMessage[]> {
    const reactions = await reactionsOf(rows.filter((r) => r.deleted_at === null).map((r) => r.id));
    return rows.map((r) => ({
      id: r.id,
      roomId: r.room_id,
      body: r.body,
      clientMsgId: r.client_msg_id,
      sender: { id: r.sender_id, username: r.sender_username },
      createdAt: r.created_at.toISOString(),
      parentId: r.parent_id,
      editedAt: iso(r.edited_at),
      deletedAt: iso(r.deleted_at),
      replyCount: Number(r.reply_count),
      lastReplyAt: iso(r.last_reply_at),
      reactions: reactions.get(r.id) ?? [],
      mentions: r.mentions,
    }));
  }
}
