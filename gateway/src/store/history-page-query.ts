import type { PgPool } from '@chat/db';
import { type Attachment, type ChatMessage, REACTION_USERS_MAX, type Reaction } from '@chat/protocol';
import { AppError } from '@chat/service-kit';
import type { HistoryPageQuery } from './messages';
import { pgStatement, type Statement } from './pg-statement';

/** `GET /api/rooms/:roomId/messages`: a page with its reactions and files (see {@link createHistoryPage}). */
export type HistoryPage = (roomId: string, query: HistoryPageQuery) => Promise<ChatMessage[]>;

/** A timestamp as `Date.prototype.toISOString` writes it, built by PostgreSQL (no Date parsed and re-printed here). */
const isoText = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The columns a page row needs, as `m` (a `messages` row). */
const ROW = `m.id, m.room_id, m.sender_id, m.sender_username, m.body, m.client_msg_id, m.created_at, m.parent_id,
  m.edited_at, m.deleted_at, m.reply_count, m.last_reply_at, m.mentions`;

/**
 * One side of a page: the rows of one scope (`$1` room; top-level, or the thread `$2`) past `pivot`,
 * nearest first, on the (room_id, id DESC) partial indexes. ORDER BY names the table's column (`m.id`):
 * the output column is text, whose order no index has.
 */
const side = (thread: boolean, op: '<' | '<=' | '>' | null, pivot: string, limit: string) =>
  `SELECT ${ROW} FROM messages m WHERE m.room_id = $1::uuid AND ${thread ? 'm.parent_id = $2::uuid' : 'm.parent_id IS NULL'}
     ${op === null ? '' : `AND m.id ${op} ${pivot}::uuid`} ORDER BY m.id ${op === '>' ? 'ASC' : 'DESC'} LIMIT ${limit}::int`;

/**
 * The page `page` (a subquery of `messages` rows), oldest first, each row with what the contract shows
 * of it: its reactions (the standing ones, grouped by emoji in the order each was first added, the first
 * {@link REACTION_USERS_MAX} users by event) and its files (by id), both only on a standing message.
 * Each as a JSON array of arrays, which node-postgres parses into plain arrays.
 */
const withDetails = (page: string) => `
SELECT p.id::text AS id, p.room_id::text AS room_id, p.sender_id::text AS sender_id, p.sender_username, p.body,
       p.client_msg_id, ${isoText('p.created_at')} AS created_at, p.parent_id::text AS parent_id,
       ${isoText('p.edited_at')} AS edited_at, ${isoText('p.deleted_at')} AS deleted_at, p.reply_count,
       ${isoText('p.last_reply_at')} AS last_reply_at, p.mentions::text[] AS mentions, r.reactions, f.files
  FROM (${page}) AS p
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_array(g.emoji, g.n, g.user_ids) ORDER BY g.first) AS reactions
      FROM (SELECT emoji, count(*)::int AS n, (array_agg(user_id::text ORDER BY event_id))[1:${REACTION_USERS_MAX}] AS user_ids,
                   min(event_id::text) AS first
              FROM message_reactions WHERE message_id = p.id AND present GROUP BY emoji) AS g
  ) AS r ON p.deleted_at IS NULL
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_array(u.id::text, u.name, u.size, u.content_type, u.width, u.height, coalesce(u.thumbnail_key, '') <> '')
                    ORDER BY u.id) AS files
      FROM uploads u WHERE u.message_id = p.id
  ) AS f ON p.deleted_at IS NULL
 ORDER BY p.id`;

type ReactionCells = [emoji: string, count: number, userIds: string[]];
type FileCells = [id: string, name: string, size: number, contentType: string, width: number | null, height: number | null, thumbnail: boolean];

interface PageRow {
  id: string;
  room_id: string;
  sender_id: string;
  sender_username: string;
  body: string;
  client_msg_id: string;
  created_at: string;
  parent_id: string | null;
  edited_at: string | null;
  deleted_at: string | null;
  reply_count: number;
  last_reply_at: string | null;
  mentions: string[];
  reactions: ReactionCells[] | null;
  files: FileCells[] | null;
}

const toReaction = ([emoji, count, userIds]: ReactionCells): Reaction => ({ emoji, count, userIds });

const toAttachment = ([id, name, size, contentType, width, height, thumbnail]: FileCells): Attachment => {
  const attachment: Attachment = { id, name, size, contentType };
  if (width !== null && height !== null) {
    attachment.width = width;
    attachment.height = height;
  }
  if (thumbnail) attachment.thumbnail = true;
  return attachment;
};

/** A row as the contract's message, built once, in the contract's key order (files last, when there are some). */
function toMessage(r: PageRow): ChatMessage {
  const message: ChatMessage = {
    id: r.id,
    roomId: r.room_id,
    body: r.body,
    clientMsgId: r.client_msg_id,
    sender: { id: r.sender_id, username: r.sender_username },
    createdAt: r.created_at,
    parentId: r.parent_id,
    editedAt: r.edited_at,
    deletedAt: r.deleted_at,
    replyCount: r.reply_count,
    lastReplyAt: r.last_reply_at,
    reactions: r.reactions === null ? [] : r.reactions.map(toReaction),
    mentions: r.mentions,
  };
  if (r.files !== null) message.attachments = r.files.map(toAttachment);
  return message;
}

/**
 * The history page through `pg` directly: one named statement per shape of page (top-level or a thread;
 * newest, before, after, around), each returning the page with its reactions and files, oldest first.
 * `around` first finds its centre (one primary-key lookup: a reply's centre is its thread's parent unless
 * the thread itself was asked for). history-page-query.test.ts compares every shape, byte for byte, with a
 * plain reading of the contract (the page's ids, then each message by id with its reactions and files).
 */
export function createHistoryPage(pool: PgPool): HistoryPage {
  const shapes = (thread: boolean) => {
    const pivot = thread ? '$3' : '$2';
    const limit = thread ? '$4' : '$3';
    const statement = (sql: string) => pgStatement<PageRow>(pool, withDetails(sql));
    return {
      newest: statement(side(thread, null, pivot, thread ? '$3' : '$2')),
      before: statement(side(thread, '<', pivot, limit)),
      after: statement(side(thread, '>', pivot, limit)),
      around: statement(`(${side(thread, '<=', pivot, limit)}) UNION ALL (${side(thread, '>', pivot, thread ? '$5' : '$4')})`),
    };
  };
  const top = shapes(false);
  const thread = shapes(true);
  const target: Statement<{ id: string; parent_id: string | null }> = pgStatement(
    pool,
    'SELECT id::text AS id, parent_id::text AS parent_id FROM messages WHERE id = $1::uuid AND room_id = $2::uuid',
  );

  return async (roomId, query) => {
    const parentId = query.parentId ?? null;
    const shape = parentId === null ? top : thread;
    const scope: unknown[] = parentId === null ? [roomId] : [roomId, parentId];
    let rows: PageRow[];
    if (query.around) {
      const [found] = await target([query.around, roomId]);
      if (!found) throw new AppError('NOT_FOUND', 'no message with this id in this room');
      const centre = found.parent_id !== null && parentId === null ? found.parent_id : found.id;
      const newer = Math.floor(query.limit / 2);
      rows = await shape.around([...scope, centre, query.limit - newer, newer]);
    } else if (query.after) {
      rows = await shape.after([...scope, query.after, query.limit]);
    } else if (query.before) {
      rows = await shape.before([...scope, query.before, query.limit]);
    } else {
      rows = await shape.newest([...scope, query.limit]);
    }
    return rows.map(toMessage);
  };
}

/**
 * Messages by id (any room: the caller authorized them), in no particular order, as a history page shows
 * them (reactions and files): search's results, in one prepared `pg` statement where Prisma's byIds made
 * two queries through its adapter (the gateway's CPU per search was 2-4 times a history page's).
 */
export function createMessagesByIds(pool: PgPool): (ids: readonly string[]) => Promise<ChatMessage[]> {
  const statement = pgStatement<PageRow>(pool, withDetails(`SELECT ${ROW} FROM messages m WHERE m.id = ANY($1::uuid[])`));
  return async (ids) => (ids.length === 0 ? [] : (await statement([ids])).map(toMessage));
}
