import type { PrismaClient } from '@chat/db';
import { type ChatMessage, REACTION_USERS_MAX, type Reaction } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
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

export interface MessageHistory {
  /** Up to `limit` messages of a room, oldest first. NOT_FOUND when `around` names no message of the room. */
  page(roomId: string, query: HistoryPageQuery): Promise<ChatMessage[]>;
  /** The messages with these ids (any room: the caller authorized them), in no particular order. */
  byIds(ids: readonly string[]): Promise<ChatMessage[]>;
}

interface MessageRow extends MessageRowBase {
  reply_count: number;
}

const COLUMNS = `${MESSAGE_ROW_COLUMNS}, reply_count`;

export function createMessageHistory(db: PrismaClient): MessageHistory {
  /**
   * Rows of one scope (`$1` room, `$2` parent or null for top-level) on one side of `$3`, nearest first.
   * Newest first on the (room_id, id DESC) indexes (partial: top-level, and per thread), then reversed
   * by the caller. ORDER BY names the table's column: a bare `id` would be the output column `id::text`,
   * whose text order no index has (a sort of the whole room: 1.2 s instead of 0.1 ms on a million rows).
   */
  const side = (roomId: string, parentId: string | null, op: '<' | '<=' | '>' | null, pivot: string | null, limit: number) => {
    const params: unknown[] = [roomId];
    const param = (value: unknown) => `$${params.push(value)}::uuid`;
    const scope = parentId === null ? 'parent_id IS NULL' : `parent_id = ${param(parentId)}`;
    const bound = op === null ? '' : `AND messages.id ${op} ${param(pivot)}`;
    return db.$queryRawUnsafe<MessageRow[]>(
      `SELECT ${COLUMNS} FROM messages WHERE room_id = $1::uuid AND ${scope} ${bound}
        ORDER BY messages.id ${op === '>' ? 'ASC' : 'DESC'} LIMIT ${Number(limit)}`,
      ...params,
    );
  };

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
    async page(roomId, query) {
      const parentId = query.parentId ?? null;
      let rows: MessageRow[];
      if (query.around) {
        const [target] = await db.$queryRaw<{ id: string; parent_id: string | null }[]>`
          SELECT id::text, parent_id::text FROM messages WHERE id = ${query.around}::uuid AND room_id = ${roomId}::uuid`;
        if (!target) throw new AppError('NOT_FOUND', 'no message with this id in this room');
        // A permalink to a reply lands on its thread's parent, unless the thread itself was asked for.
        const centre = target.parent_id !== null && parentId === null ? target.parent_id : target.id;
        const newer = Math.floor(query.limit / 2);
        const [older, after] = await Promise.all([side(roomId, parentId, '<=', centre, query.limit - newer), side(roomId, parentId, '>', centre, newer)]);
        rows = [...older.reverse(), ...after];
      } else if (query.after) {
        rows = await side(roomId, parentId, '>', query.after, query.limit);
      } else {
        rows = (await side(roomId, parentId, query.before ? '<' : null, query.before ?? null, query.limit)).reverse();
      }
      return withReactions(rows);
    },
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
