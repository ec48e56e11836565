import type { PrismaClient } from '@chat/db';
import { type MyRoom, type NotifyLevel, type Room, type RoomPreferences, UNREAD_COUNT_CAP } from '@chat/protocol';
import type { RecentMarkers } from './recent-markers';

/** What the REST routes and the socket handlers of attention share. */
export interface AttentionDeps {
  store: AttentionStore;
  markers: RecentMarkers;
}

/** Read state, counts and preferences in PostgreSQL (the persister writes markers and mentions). */
export interface AttentionStore {
  /**
   * My rooms with my read state: the marker is the newest of PostgreSQL's and `recent` (Redis), and
   * counts start after it, or after I joined for a room I never read. The counts are the maintained
   * `room_counters` row (one primary-key lookup per room) whenever its `since_id` reaches the markers; only
   * a room whose marker Redis has fresher than PostgreSQL (the persister has not applied it yet)
   * counts its index range after the marker (bounded by UNREAD_COUNT_CAP). Never a scan of history.
   */
  withAttention(userId: string, rooms: readonly Room[], recent: readonly (string | undefined)[]): Promise<MyRoom[]>;
  /** Stores my preferences for a room (the caller checked membership). */
  setPreferences(userId: string, roomId: string, preferences: RoomPreferences): Promise<void>;
  /** Which of `userIds` want no notification from the room (notify "none", or muted). */
  quietUsers(roomId: string, userIds: readonly string[]): Promise<Set<string>>;
}

/** One room's state as the query's JSON array: room id, marker, unread, mentions, notify, muted. */
type StateRow = [roomId: string, lastReadId: string | null, unread: number, mentions: number, notify: NotifyLevel | null, muted: boolean | null];

/** DMs notify about every message by default, other rooms about mentions. */
export const defaultNotify = (room: Pick<Room, 'visibility'>): NotifyLevel => (room.visibility === 'direct' ? 'all' : 'mentions');

export function createAttentionStore(db: PrismaClient): AttentionStore {
  return {
    async withAttention(userId, rooms, recent) {
      if (rooms.length === 0) return [];
      // The row is fresh when it counts from at least the markers known here: the triggers keep its
      // since_id at greatest(marker, join) (see the room_counters migration), so only a marker Redis
      // has and PostgreSQL not yet makes a room count its range (uuidv7_floor runs only then).
      // One JSON value out, comma-joined ids and three parameters in: Prisma handles each value of a
      // raw result and each parameter on its own, and 200 rows of six values, two 200-element arrays and
      // nine parameters cost the gateway 20-30 % more CPU than this (same answers; docs/performance.md).
      const ids = rooms.map((r) => r.id).join(',');
      const CAP = Number(UNREAD_COUNT_CAP);
      const markers = rooms.map((_, i) => recent[i] ?? '').join(',');
      const [result] = await db.$queryRawUnsafe<{ rows: string }[]>(
        `SELECT coalesce(json_agg(json_build_array(x.room_id, greatest(rm.last_read_id, x.recent),
               CASE WHEN f.fresh THEN least(c.unread, ${CAP})
                    ELSE (SELECT count(*)::int FROM (SELECT 1 FROM messages msg
                           WHERE msg.room_id = x.room_id AND msg.parent_id IS NULL AND msg.deleted_at IS NULL
                             AND msg.id > greatest(rm.last_read_id, x.recent, uuidv7_floor(m.joined_at)) AND msg.sender_id <> $1::uuid
                           LIMIT ${CAP}) AS u) END,
               CASE WHEN f.fresh THEN least(c.mentions, ${CAP})
                    ELSE (SELECT count(*)::int FROM (SELECT 1 FROM message_mentions mm
                           WHERE mm.user_id = $1::uuid AND mm.room_id = x.room_id
                             AND mm.message_id > greatest(rm.last_read_id, x.recent, uuidv7_floor(m.joined_at))
                           LIMIT ${CAP}) AS n) END,
               p.notify, p.muted)), '[]')::text AS rows
          FROM unnest(string_to_array($2, ',')::uuid[], string_to_array($3, ',', '')::uuid[]) AS x(room_id, recent)
          JOIN memberships m ON m.room_id = x.room_id AND m.user_id = $1::uuid
          LEFT JOIN read_markers rm ON rm.user_id = $1::uuid AND rm.room_id = x.room_id
          LEFT JOIN room_preferences p ON p.user_id = $1::uuid AND p.room_id = x.room_id
          LEFT JOIN room_counters c ON c.room_id = x.room_id AND c.user_id = $1::uuid
          CROSS JOIN LATERAL (SELECT c.since_id >= coalesce(greatest(rm.last_read_id, x.recent), c.since_id) AS fresh) AS f`,
        userId,
        ids,
        markers,
      );
      const byRoom = new Map((JSON.parse(result?.rows ?? '[]') as StateRow[]).map((r) => [r[0], r]));
      return rooms.map((room) => {
        const [, lastReadId, unread, mentions, notify, muted] = byRoom.get(room.id) ?? [];
        return {
          ...room,
          lastReadId: lastReadId ?? null,
          unreadCount: unread ?? 0,
          mentionCount: mentions ?? 0,
          preferences: { notify: notify ?? defaultNotify(room), muted: muted ?? false },
        };
      });
    },
    async setPreferences(userId, roomId, { notify, muted }) {
      await db.$executeRaw`
        INSERT INTO room_preferences (user_id, room_id, notify, muted) VALUES (${userId}::uuid, ${roomId}::uuid, ${notify}, ${muted})
        ON CONFLICT (user_id, room_id) DO UPDATE SET notify = EXCLUDED.notify, muted = EXCLUDED.muted`;
    },
    async quietUsers(roomId, userIds) {
      if (userIds.length === 0) return new Set();
      const rows = await db.$queryRaw<{ user_id: string }[]>`
        SELECT user_id::text FROM room_preferences
         WHERE room_id = ${roomId}::uuid AND user_id = ANY(${[...userIds]}::uuid[]) AND (notify = 'none' OR muted)`;
      return new Set(rows.map((r) => r.user_id));
    },
  };
}
