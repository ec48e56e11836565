// The history page through pg (one statement) against a plain reading of the contract (the page's ids by one
// query per side, each message by id with its reactions, then its files: how the route answered before), on
// a real PostgreSQL: the same bytes for every shape of page on a room with edits, deletions, reactions,
// files and threads.
import { createPgPool, createPrisma, type PgPool, type PrismaClient } from '@chat/db';
import { type ChatMessage, REACTION_USERS_MAX, type Reaction } from '@chat/protocol';
import { createTestDatabase } from '@chat/testing';
import { createHistoryPage, type HistoryPage } from './history-page-query';
import { newId } from './ids';
import { iso, MESSAGE_ROW_COLUMNS, type MessageRowBase } from './message-row';
import type { HistoryPageQuery, MessageHistory } from './messages';
import { createUploadRepository, type UploadRepository } from './uploads';

let pool: PgPool;
let db: PrismaClient;
let history: MessageHistory;
let uploads: UploadRepository;
let page: HistoryPage;

const room = newId();
const otherRoom = newId();
const alice = newId();
const bob = newId();
const users = Array.from({ length: 60 }, () => newId());
const top: string[] = [];
const replies: string[] = [];
let parent = '';

/**
 * The ids of a page, by the plain reading of the contract: newest first below `before`, oldest first above
 * `after`, and `around` a centre (a reply's thread parent, unless the thread was asked for) with the older
 * half including it. One query per side, nothing shared with the statement under test.
 */
async function pageIds(roomId: string, query: HistoryPageQuery): Promise<string[]> {
  const side = async (op: '<' | '<=' | '>' | null, pivot: string | null, limit: number) => {
    const scope = query.parentId ? 'parent_id = $2::uuid' : 'parent_id IS NULL AND $2::uuid IS NULL';
    const bound = op === null ? '' : `AND id ${op} $3::uuid`;
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id::text FROM messages WHERE room_id = $1::uuid AND ${scope} ${bound} ORDER BY id ${op === '>' ? 'ASC' : 'DESC'} LIMIT ${limit}`,
      op === null ? [roomId, query.parentId ?? null] : [roomId, query.parentId ?? null, pivot],
    );
    return rows.map((r) => r.id);
  };
  if (query.around) {
    const { rows } = await pool.query<{ id: string; parent_id: string | null }>('SELECT id::text, parent_id::text FROM messages WHERE id = $1 AND room_id = $2', [query.around, roomId]);
    if (!rows[0]) throw Object.assign(new Error('no message with this id in this room'), { code: 'NOT_FOUND' });
    const centre = rows[0].parent_id !== null && !query.parentId ? rows[0].parent_id : rows[0].id;
    const newer = Math.floor(query.limit / 2);
    return [...(await side('<=', centre, query.limit - newer)).reverse(), ...(await side('>', centre, newer))];
  }
  if (query.after) return side('>', query.after, query.limit);
  return (await side(query.before ? '<' : null, query.before ?? null, query.limit)).reverse();
}

/** What the route answered before the one statement: the page's messages by id (with reactions), then their files. */
async function reference(roomId: string, query: HistoryPageQuery): Promise<ChatMessage[]> {
  const ids = await pageIds(roomId, query);
  const byId = new Map((await history.byIds(ids)).map((m) => [m.id, m]));
  const messages = ids.map((id) => byId.get(id)!);
  const files = await uploads.forMessages(ids);
  for (const m of messages) if (files.has(m.id) && !m.deletedAt) m.attachments = files.get(m.id);
  return messages;
}

const at = (i: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, 0, 0) + i * 1_234);

async function insertMessage(i: number, roomId: string, parentId: string | null, fields: { body?: string; edited?: boolean; deleted?: boolean; mentions?: string[] } = {}) {
  const id = newId();
  const sender = i % 3 === 0 ? bob : alice;
  await pool.query(
    `INSERT INTO messages (id, room_id, sender_id, sender_username, body, client_msg_id, created_at, parent_id, edited_at, deleted_at, mentions)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::uuid[])`,
    [id, roomId, sender, sender === bob ? 'bob "the <builder>"' : 'alice', fields.deleted ? '' : (fields.body ?? `message ${i}`), `c-${i}`, at(i), parentId,
      fields.edited ? at(i + 7) : null, fields.deleted ? at(i + 9) : null, fields.mentions ?? []],
  );
  return id;
}

async function react(messageId: string, emoji: string, userId: string, present = true) {
  await pool.query('INSERT INTO message_reactions (message_id, emoji, user_id, present, event_id) VALUES ($1, $2, $3, $4, $5)', [messageId, emoji, userId, present, newId()]);
}

async function attach(messageId: string | null, name: string, extra: { size?: number; width?: number; height?: number; thumbnailKey?: string | null } = {}) {
  await pool.query(
    `INSERT INTO uploads (id, room_id, uploader_id, name, size, content_type, object_key, message_id, width, height, thumbnail_key)
     VALUES ($1, $2, $3, $4, $5, 'image/png', $6, $7, $8, $9, $10)`,
    [newId(), room, alice, name, extra.size ?? 1234, `k/${name}`, messageId, extra.width ?? null, extra.height ?? null, extra.thumbnailKey ?? null],
  );
}

beforeAll(async () => {
  const url = await createTestDatabase('history_page');
  pool = createPgPool({ url, poolMax: 4 });
  db = createPrisma({ url, pool });
  history = createMessageHistory(db);
  uploads = createUploadRepository(db);
  page = createHistoryPage(pool);

  for (let i = 0; i < 130; i++) {
    const body = i === 5 ? 'tags <b>&amp;</b> "quoted"\n\ttabbed \\ back \u0001 😀 é' : undefined;
    top.push(await insertMessage(i, room, null, { body, edited: i % 7 === 0, deleted: i % 11 === 4, mentions: i % 5 === 0 ? [bob, alice] : [] }));
  }
  parent = top[40]!;
  for (let i = 0; i < 70; i++) replies.push(await insertMessage(200 + i, room, parent, { edited: i % 9 === 0, deleted: i % 13 === 3 }));
  const standing = replies.length - replies.filter((_, i) => i % 13 === 3).length;
  await pool.query('UPDATE messages SET reply_count = $2, last_reply_at = $3 WHERE id = $1', [parent, standing, at(269)]);
  await insertMessage(300, otherRoom, null);

  // Reactions: many emoji in an order unlike their names, one with more reactors than a page lists,
  // withdrawn ones, and some on a tombstone (never shown).
  for (const [index, emoji] of [[129, '👍'], [129, '🎉'], [128, '❤️'], [129, 'a'], [100, '👍'], [45, '🔥'], [parent, '👀']] as const) {
    const id = typeof index === 'number' ? top[index]! : index;
    for (const [k, user] of users.slice(0, emoji === '👍' ? 60 : 3).entries()) await react(id, emoji, user, k % 17 !== 5);
  }
  await react(top[4]!, '👍', bob); // top[4] is deleted
  await react(replies[69]!, '🙂', alice);

  // Files: measured and thumbnailed, measured only, neither, a huge one, on a tombstone, on a reply, unattached.
  await attach(top[129]!, 'b.png', { width: 640, height: 480, thumbnailKey: 'thumb' });
  await attach(top[129]!, 'a.png', { width: 10, height: 20, thumbnailKey: '' });
  await attach(top[127]!, 'big.bin', { size: 5_000_000_000 });
  await attach(top[126]!, 'half.png', { width: 10 });
  await attach(top[15]!, 'gone.png'); // top[15] is deleted
  await attach(replies[67]!, 'reply.png', { thumbnailKey: 'tt' });
  await attach(null, 'loose.png');
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
});

const shapes = (): [string, string, HistoryPageQuery][] => [
  ['newest 50', room, { limit: 50 }],
  ['newest 1', room, { limit: 1 }],
  ['newest 100', room, { limit: 100 }],
  ['before', room, { limit: 50, before: top[60]! }],
  ['before the first', room, { limit: 50, before: top[0]! }],
  ['after', room, { limit: 30, after: top[10]! }],
  ['after the last', room, { limit: 30, after: top[129]! }],
  ['around a top-level message', room, { limit: 20, around: top[70]! }],
  ['around near the end', room, { limit: 9, around: top[128]! }],
  ['around a reply (lands on its parent)', room, { limit: 10, around: replies[30]! }],
  ['thread newest', room, { limit: 50, parentId: parent }],
  ['thread before', room, { limit: 25, parentId: parent, before: replies[40]! }],
  ['thread after', room, { limit: 100, parentId: parent, after: replies[2]! }],
  ['around inside the thread', room, { limit: 11, parentId: parent, around: replies[50]! }],
  ['around the parent, in its thread', room, { limit: 6, parentId: parent, around: parent }],
  ['a thread of another room', otherRoom, { limit: 50, parentId: parent }],
  ['an empty room', newId(), { limit: 50 }],
];

describe('the history page through pg', () => {
  it('answers byte for byte what the plain reading answers, for every shape of page', async () => {
    for (const [name, roomId, query] of shapes()) {
      const [expected, actual] = [await reference(roomId, query), await page(roomId, query)];
      expect({ name, json: JSON.stringify(actual) }).toEqual({ name, json: JSON.stringify(expected) });
    }
  });

  it('is a rich fixture: pages show edits, tombstones, mentions, capped reactions, files and thread counts', async () => {
    const newest = await page(room, { limit: 50 });
    const last = newest.at(-1)!;
    expect(last.reactions.map((r) => [r.emoji, r.count, r.userIds.length])).toEqual([['👍', 56, 50], ['🎉', 3, 3], ['a', 3, 3]]);
    expect(last.attachments).toEqual([
      { id: expect.any(String), name: 'b.png', size: 1234, contentType: 'image/png', width: 640, height: 480, thumbnail: true },
      { id: expect.any(String), name: 'a.png', size: 1234, contentType: 'image/png', width: 10, height: 20 },
    ]);
    expect(newest.find((m) => m.id === top[127])!.attachments).toEqual([{ id: expect.any(String), name: 'big.bin', size: 5_000_000_000, contentType: 'image/png' }]);
    expect(newest.some((m) => m.deletedAt !== null && m.body === '' && m.reactions.length === 0)).toBe(true);
    expect(newest.some((m) => m.editedAt !== null)).toBe(true);
    const around = await page(room, { limit: 10, around: replies[30]! });
    expect(around.find((m) => m.id === parent)).toMatchObject({ replyCount: 64, lastReplyAt: at(269).toISOString(), reactions: [{ emoji: '👀', count: 3 }] });
    expect((await page(room, { limit: 10, before: top[8]! })).find((m) => m.id === top[5])!.body).toContain('<b>&amp;</b> "quoted"\n');
  });

  it('refuses an around that names no message of the room, as before', async () => {
    for (const around of [newId(), (await page(otherRoom, { limit: 1 }))[0]!.id]) {
      await expect(reference(room, { limit: 10, around })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(page(room, { limit: 10, around })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no message with this id in this room' });
    }
  });
});

interface MessageRow extends MessageRowBase {
  reply_count: number;
}

const COLUMNS = `${MESSAGE_ROW_COLUMNS}, reply_count`;

/**
 * The plain reading of messages by id (what the route and search read through Prisma before the one
 * statement): one query for the rows, one for their reactions.
 */
function createMessageHistory(db: PrismaClient): MessageHistory {
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
