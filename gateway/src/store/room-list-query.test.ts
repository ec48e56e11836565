// The sidebar's read on a real PostgreSQL and Redis: the order of the rooms (newest first, then by id, as
// the statement's ORDER BY gave before the gateway sorted), the counts from the maintained counters, and
// the recent markers of Redis (newer than PostgreSQL's: they win and the counts start after them; older:
// PostgreSQL's wins; for a room I left: nothing; Redis gone: PostgreSQL's alone).
import { createPgPool, type PgPool } from '@chat/db';
import { createTestDatabase, testServices, uniqueRedisPrefix } from '@chat/testing';
import { Redis } from 'ioredis';
import { v7 } from 'uuid';
import { createRecentMarkers, type RecentMarkers } from '../attention/recent-markers';
import { newId } from './ids';
import { createRoomListQuery, type RoomListQuery } from './room-list-query';

let pool: PgPool;
let redis: Redis;
let markers: RecentMarkers;
let roomList: RoomListQuery;

const reader = newId();
const writer = newId();
/** Rooms in the order they were made; two share their created_at, to the millisecond. */
const rooms: { id: string; createdAt: string }[] = [];
/** Each room's messages, oldest first (5 each, all by the writer, after the reader joined). */
const messages = new Map<string, string[]>();
const base = Date.parse('2026-11-01T10:00:00.000Z');

beforeAll(async () => {
  pool = createPgPool({ url: await createTestDatabase('room_list'), poolMax: 2 });
  redis = new Redis(testServices().env.REDIS_URL);
  markers = createRecentMarkers(redis, { prefix: uniqueRedisPrefix(), ttlMs: 60_000 });
  roomList = createRoomListQuery(pool, markers);
  await pool.query(`INSERT INTO users (id, username, password_hash) VALUES ($1, 'reader', 'x'), ($2, 'writer', 'x')`, [reader, writer]);
  const created = [3, 1, 4, 1, 5, 9, 2, 6].map((minute) => new Date(base + minute * 60_000).toISOString());
  for (const createdAt of created) {
    const id = newId();
    rooms.push({ id, createdAt });
    await pool.query(`INSERT INTO rooms (id, name, visibility, created_by, created_at) VALUES ($1, $2, 'private', $3, $4)`, [id, `room ${rooms.length}`, writer, createdAt]);
    await pool.query(`INSERT INTO memberships (room_id, user_id, joined_at) VALUES ($1, $2, $4), ($1, $3, $4)`, [id, reader, writer, new Date(base - 3_600_000).toISOString()]);
    const ids = Array.from({ length: 5 }, (_, k) => v7({ msecs: base + k * 1_000 + rooms.length }));
    messages.set(id, ids);
    await pool.query(
      `INSERT INTO messages (id, room_id, sender_id, sender_username, body, client_msg_id, created_at)
       SELECT m, $2, $3, 'writer', 'line', m::text, $4 FROM unnest($1::uuid[]) AS m`,
      [ids, id, writer, new Date(base).toISOString()],
    );
  }
});

afterAll(async () => {
  await pool.end();
  redis.disconnect();
});

const mine = async (roomId: string) => (await roomList(reader)).find((r) => r.id === roomId)!;
const markInPostgres = (roomId: string, messageId: string) =>
  pool.query(
    `INSERT INTO read_markers (user_id, room_id, last_read_id, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (user_id, room_id) DO UPDATE SET last_read_id = EXCLUDED.last_read_id`,
    [reader, roomId, messageId],
  );

it('lists my rooms newest first, rooms made in the same millisecond by id, each with its unread count', async () => {
  const listed = await roomList(reader);
  const expected = [...rooms].sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt)));
  expect(listed.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  expect(listed.map((r) => r.createdAt)).toEqual(expected.map((r) => r.createdAt));
  expect(listed.every((r) => r.unreadCount === 5 && r.lastReadId === null)).toBe(true);
  // The writer sent everything: nothing is unread for them.
  expect((await roomList(writer)).every((r) => r.unreadCount === 0)).toBe(true);
});

it('counts from the recent marker Redis holds when it is newer than PostgreSQL’s', async () => {
  const [room] = rooms;
  const ids = messages.get(room!.id)!;
  await markInPostgres(room!.id, ids[0]!);
  expect(await mine(room!.id)).toMatchObject({ lastReadId: ids[0], unreadCount: 4 });
  // Read further a moment ago: the persister has not applied it, Redis has it.
  await markers.advance(reader, room!.id, ids[3]!);
  expect(await mine(room!.id)).toMatchObject({ lastReadId: ids[3], unreadCount: 1 });
});

it('keeps PostgreSQL’s marker where Redis holds an older one, and ignores a marker of a room I am not in', async () => {
  const room = rooms[1]!;
  const ids = messages.get(room.id)!;
  await markers.advance(reader, room.id, ids[1]!);
  await markInPostgres(room.id, ids[2]!);
  expect(await mine(room.id)).toMatchObject({ lastReadId: ids[2], unreadCount: 2 });

  await markers.advance(reader, newId(), v7());
  expect((await roomList(reader)).length).toBe(rooms.length);
});

it('answers from PostgreSQL alone when Redis cannot be read', async () => {
  const room = rooms[2]!;
  const ids = messages.get(room.id)!;
  await markInPostgres(room.id, ids[1]!);
  const broken: RecentMarkers = { ...markers, all: () => Promise.reject(new Error('Redis is down')) };
  const listed = await createRoomListQuery(pool, broken)(reader);
  expect(listed.find((r) => r.id === room.id)).toMatchObject({ lastReadId: ids[1], unreadCount: 3 });
  expect(listed.length).toBe(rooms.length);
});

it('moves a recent marker forward only, in one hash per user that expires', async () => {
  const room = newId();
  const [older, newer] = [v7({ msecs: base }), v7({ msecs: base + 1 })];
  expect(await markers.advance(writer, room, newer)).toEqual({ lastReadId: newer, moved: true });
  expect(await markers.advance(writer, room, older)).toEqual({ lastReadId: newer, moved: false });
  expect(await markers.get(writer, room)).toBe(newer);
  expect(await markers.all(writer)).toEqual(new Map([[room, newer]]));
  const keys = await redis.keys(`*read:${writer}*`);
  expect(keys).toHaveLength(1);
  expect(await redis.pttl(keys[0]!)).toBeGreaterThan(0);
});
