import type { PgPool } from '@chat/db';
import { type MyRoom, type NotifyLevel, type RoomVisibility, UNREAD_COUNT_CAP } from '@chat/protocol';
import { defaultNotify } from '../attention/attention-store';
import type { RecentMarkers } from '../attention/recent-markers';
import { pgRawStatement } from './pg-statement';

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
 * My rooms with my read state, in one statement: the room (a direct room named after the other member),
 * its member count and owner (kept on the room's row by the triggers of the room_member_count_owner
 * migration), my marker (the newer of PostgreSQL's and the recent one Redis holds, $2/$3: the persister may
 * not have applied that yet), and the counts. The counts are the maintained `room_counters` row (its
 * since_id is greatest(marker, join), kept by the triggers of the room_counters migration) whenever that
 * row counts from at least my marker; otherwise the index range after the marker, bounded by CAP. Never a
 * scan of history. Unsorted: the gateway orders the rows (see {@link createRoomListQuery}).
 */
const ROOM_LIST = `
SELECT r.id::text AS id,
       CASE WHEN r.visibility = 'direct'
            THEN coalesce((SELECT u.username FROM memberships m2 JOIN users u ON u.id = m2.user_id
                            WHERE m2.room_id = r.id AND m2.user_id <> $1::uuid LIMIT 1), r.name)
            ELSE r.name END AS name,
       r.visibility::text AS visibility, r.created_at,
       r.member_count, r.topic, r.description, r.archived_at, r.owner_id::text AS owner_id,
       mark.id::text AS last_read_id,
       CASE WHEN f.fresh THEN least(c.unread, ${CAP}) ELSE ${unreadAfter('greatest(mark.id, uuidv7_floor(m.joined_at))')} END AS unread,
       CASE WHEN f.fresh THEN least(c.mentions, ${CAP}) ELSE ${mentionsAfter('greatest(mark.id, uuidv7_floor(m.joined_at))')} END AS mentions,
       p.notify, p.muted
  FROM memberships m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN read_markers rm ON rm.user_id = m.user_id AND rm.room_id = m.room_id
  LEFT JOIN unnest($2::uuid[], $3::uuid[]) AS recent(room_id, marker) ON recent.room_id = m.room_id
  LEFT JOIN room_preferences p ON p.user_id = m.user_id AND p.room_id = m.room_id
  LEFT JOIN room_counters c ON c.room_id = m.room_id AND c.user_id = m.user_id
  CROSS JOIN LATERAL (SELECT greatest(rm.last_read_id, recent.marker) AS id) AS mark
  CROSS JOIN LATERAL (SELECT c.since_id >= coalesce(mark.id, c.since_id) AS fresh) AS f
 WHERE m.user_id = $1::uuid`;

/** ROOM_LIST's columns, in its order: rows come as arrays of PostgreSQL's texts (see {@link pgRawStatement}). */
const Col = { Id: 0, Name: 1, Visibility: 2, CreatedAt: 3, MemberCount: 4, Topic: 5, Description: 6, ArchivedAt: 7, OwnerId: 8, LastReadId: 9, Unread: 10, Mentions: 11, Notify: 12, Muted: 13 } as const;

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
 * Redis, PostgreSQL's are used), then one prepared statement for the rooms and their counts. Each room
 * object is built once, in the contract's key order, straight from the row's texts, and the rooms are
 * ordered here: PostgreSQL's sort of 200 wide rows was a fifth of its work for the statement, and the
 * gateways scale out where the primary does not.
 */
export function createRoomListQuery(pool: PgPool, markers: RecentMarkers): RoomListQuery {
  const roomList = pgRawStatement(pool, ROOM_LIST);
  return async (userId) => {
    const recent = await markers.all(userId).catch(() => new Map<string, string>());
    const rows = await roomList([userId, [...recent.keys()], [...recent.values()]]);
    const rooms = rows.map((row): MyRoom => {
      const visibility = row[Col.Visibility] as RoomVisibility;
      const archivedAt = row[Col.ArchivedAt]!;
      return {
        id: row[Col.Id]!,
        name: row[Col.Name]!,
        visibility,
        createdAt: isoTimestamp(row[Col.CreatedAt]!),
        memberCount: Number(row[Col.MemberCount]),
        topic: row[Col.Topic]!,
        description: row[Col.Description]!,
        archivedAt: archivedAt === null ? null : isoTimestamp(archivedAt),
        ownerId: row[Col.OwnerId]!,
        lastReadId: row[Col.LastReadId]!,
        unreadCount: Number(row[Col.Unread]),
        mentionCount: Number(row[Col.Mentions]),
        preferences: { notify: (row[Col.Notify] as NotifyLevel | null) ?? defaultNotify({ visibility }), muted: row[Col.Muted] === 't' },
      };
    });
    rooms.sort(newestFirst);
    return rooms.length > MAX_ROOMS ? rooms.slice(0, MAX_ROOMS) : rooms;
  };
}
