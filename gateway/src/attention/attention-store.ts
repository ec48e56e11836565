import type { PrismaClient } from '@chat/db';
import type { NotifyLevel, Room, RoomPreferences } from '@chat/protocol';
import type { RecentMarkers } from './recent-markers';

/** What the REST routes and the socket handlers of attention share. */
export interface AttentionDeps {
  store: AttentionStore;
  markers: RecentMarkers;
}

/**
 * Preferences in PostgreSQL (the persister writes markers and mentions; `GET /api/rooms` reads the counts
 * in store/room-list-query.ts).
 */
export interface AttentionStore {
  /** Stores my preferences for a room (the caller checked membership). */
  setPreferences(userId: string, roomId: string, preferences: RoomPreferences): Promise<void>;
  /** Which of `userIds` want no notification from the room (notify "none", or muted). */
  quietUsers(roomId: string, userIds: readonly string[]): Promise<Set<string>>;
}

/** DMs notify about every message by default, other rooms about mentions. */
export const defaultNotify = (room: Pick<Room, 'visibility'>): NotifyLevel => (room.visibility === 'direct' ? 'all' : 'mentions');

export function createAttentionStore(db: PrismaClient): AttentionStore {
  return {
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
