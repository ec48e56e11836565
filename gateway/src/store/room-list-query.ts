import type { PgPool } from '@chat/db';
import { type MyRoom, type NotifyLevel, type RoomVisibility, UNREAD_COUNT_CAP } from '@chat/protocol';
import { defaultNotify } from '../attention/attention-store';
import type { RecentMarkers } from '../attention/recent-markers';
import { pgRawStatement, pgStatement } from './pg-statement';

const CAP = Number(UNREAD_COUNT_CAP);

/**
 * Unread top-level messages after `floor` (an SQL expression), not sent by $1, at most CAP of them. The
 * row comparison keeps the count on the room's index range whatever the statistics say (see the
 * room_counters_refresh_by_room migration: `msg.id > floor` alone can be planned as a walk of the
 * primary key over every room's messages).
 */
const unreadAfter = (floor: string) => `(SELECT count(*)::int FROM (SELECT 1 FROM messages msg
   WHERE msg.room_id = m.room_id AND msg.parent_id IS NULL AND msg.deleted_at IS NULL
     AND (msg.room_id, msg.id) > (m.room_id, ${floor}) AND msg.sender_id <> $1::uuid LIMIT ${CAP}) AS u)`;
/** Mentions of $1 after `floor`, at most CAP of them. */
const mentionsAfter = (floor: string) => `(SELECT count(*)::int FROM (SELECT 1 FROM message_mentions mm
   WHERE mm.user_id = $1::uuid AND mm.room_id = m.room_id AND mm.message_id > ${floor} LIMIT ${CAP}) AS n)`;

/**
 * My rooms with my read state: the room (a direct room named after the other member), its member count
 * and owner (kept on the room's row by the triggers of the room_member_count_owner migration), PostgreSQL's
 * marker, and the maintained `room_counters` row (its since_id is greatest(marker, join), kept by the
 * triggers of the room_counters migration), capped. No counting here: planning the count subqueries over
 * `messages` took PostgreSQL ~1.2 ms on every request where it plans this statement with its parameter,
 * for a path only rooms whose counters row is behind their marker take (see {@link RECOUNT}). Unsorted:
 * the gateway orders the rows (see {@link createRoomListQuery}).
 */
const ROOM_LIST = `
SELECT r.id::text AS id,
       CASE WHEN r.visibility = 'direct'
            THEN coalesce((SELECT u.username FROM memberships m2 JOIN users u ON u.id = m2.user_id
                            WHERE m2.room_id = r.id AND m2.user_id <> $1::uuid LIMIT 1), r.name)
            ELSE r.name END AS name,
       r.visibility::text AS visibility, r.created_at,
       r.member_count, r.topic, r.description, r.archived_at, r.owner_id::text AS owner_id,
       rm.last_read_id::text AS last_read_id, c.since_id::text AS since_id,
       least(c.unread, ${CAP}) AS unread, least(c.mentions, ${CAP}) AS mentions,
       p.notify, p.muted
  FROM memberships m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN read_markers rm ON rm.user_id = m.user_id AND rm.room_id = m.room_id
  LEFT JOIN room_preferences p ON p.user_id = m.user_id AND p.room_id = m.room_id
  LEFT JOIN room_counters c ON c.room_id = m.room_id AND c.user_id = m.user_id
 WHERE m.user_id = $1::uuid`;

/**
 * The counts of rooms whose counters row is behind my marker (Redis's, $3, newer than what the persister has
 * applied; or a row not there yet): the index range after the newest of the markers and the join, bounded
 * by CAP. Never a scan of history.
 */
const RECOUNT = `
SELECT m.room_id::text AS room_id,
       ${unreadAfter('greatest(rm.last_read_id, x.recent, uuidv7_floor(m.joined_at))')} AS unread,
       ${mentionsAfter('greatest(rm.last_read_id, x.recent, uuidv7_floor(m.joined_at))')} AS mentions
  FROM unnest($2::uuid[], $3::uuid[]) AS x(room_id, recent)
  JOIN memberships m ON m.room_id = x.room_id AND m.user_id = $1::uuid
  LEFT JOIN read_markers rm ON rm.user_id = m.user_id AND rm.room_id = m.room_id`;

/** ROOM_LIST's columns, in its order: rows come as arrays of PostgreSQL's texts (see {@link pgRawStatement}). */
const Col = { Id: 0, Name: 1, Visibility: 2, CreatedAt: 3, MemberCount: 4, Topic: 5, Description: 6, ArchivedAt: 7, OwnerId: 8, LastReadId: 9, SinceId: 10, Unread: 11, Mentions: 12, Notify: 13, Muted: 14 } as const;

/** The most rooms one answer lists (the newest). */
const MAX_ROOMS = 1000;

/**
 * A timestamptz's text as the contract's ISO string (what `Date#toISOString` gave): PostgreSQL writes
 * `2026-12-02 13:11:56.123456+00` in a UTC session, which only needs its milliseconds cut (truncated, as
 * the Date was); another session time zone (`+05:30`, `-08`) goes through Date, as an ISO offset.
 * Parsing 400 timestamps into Dates to print them again was a tenth of the route's CPU.
 */
export function isoTimestamp(text: string): string {
  if (text.length >= 22 && text.length <= 29 && text.endsWith('+00') && text.charCodeAt(10) === 32 && text.charCodeAt(4) === 45) {
    const fraction = text.length === 22 ? '000' : `${text.slice(20, -3)}00`.slice(0, 3);
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
  }
  return new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
}

/** `GET /api/rooms`: my rooms with my read state (see {@link createRoomListQuery}). */
export type RoomListQuery = (userId: string) => Promise<MyRoom[]>;

/** Newest first: createdAt is fixed-width ISO text (rooms.created_at keeps milliseconds), so text order is time order; then by id. */
const newestFirst = (a: MyRoom, b: MyRoom): number =>
  a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

/**
 * The sidebar's read, through `pg` directly: one Redis read of the markers set a moment ago (without
 * Redis, PostgreSQL's are used), one prepared statement for the rooms and their counters, and a second
 * only for rooms whose counters row is behind the newest marker. Each room object is built once, in the
 * contract's key order, straight from the row's texts, and the rooms are ordered here: PostgreSQL's sort
 * of 200 wide rows was a fifth of its work for the statement, and the gateways scale out where the
 * primary does not.
 */
export function createRoomListQuery(pool: PgPool, markers: RecentMarkers): RoomListQuery {
  const roomList = pgRawStatement(pool, ROOM_LIST);
  const recount = pgStatement<{ room_id: string; unread: number; mentions: number }>(pool, RECOUNT);
  return async (userId) => {
    const [recent, rows] = await Promise.all([markers.all(userId).catch(() => new Map<string, string>()), roomList([userId])]);
    // UUIDv7 in lower-case hex (both PostgreSQL's text and the markers Redis keeps): string order is id order.
    const behind: { room: MyRoom; marker: string | null }[] = [];
    const rooms = rows.map((row): MyRoom => {
      const id = row[Col.Id]!;
      const fresher = recent.get(id);
      const stored = row[Col.LastReadId]!;
      const lastReadId = fresher !== undefined && (stored === null || fresher > stored) ? fresher : stored;
      const visibility = row[Col.Visibility] as RoomVisibility;
      const archivedAt = row[Col.ArchivedAt]!;
      const room: MyRoom = {
        id,
        name: row[Col.Name]!,
        visibility,
        createdAt: isoTimestamp(row[Col.CreatedAt]!),
        memberCount: Number(row[Col.MemberCount]),
        topic: row[Col.Topic]!,
        description: row[Col.Description]!,
        archivedAt: archivedAt === null ? null : isoTimestamp(archivedAt),
        ownerId: row[Col.OwnerId]!,
        lastReadId,
        unreadCount: Number(row[Col.Unread]),
        mentionCount: Number(row[Col.Mentions]),
        preferences: { notify: (row[Col.Notify] as NotifyLevel | null) ?? defaultNotify({ visibility }), muted: row[Col.Muted] === 't' },
      };
      const sinceId = row[Col.SinceId]!;
      if (sinceId === null || (lastReadId !== null && sinceId < lastReadId)) behind.push({ room, marker: lastReadId });
      return room;
    });
    if (behind.length > 0) {
      const counts = await recount([userId, behind.map((b) => b.room.id), behind.map((b) => b.marker)]);
      const byRoom = new Map(counts.map((c) => [c.room_id, c]));
      for (const { room } of behind) {
        room.unreadCount = byRoom.get(room.id)?.unread ?? 0;
        room.mentionCount = byRoom.get(room.id)?.mentions ?? 0;
      }
    }
    rooms.sort(newestFirst);
    return rooms.length > MAX_ROOMS ? rooms.slice(0, MAX_ROOMS) : rooms;
  };
}
