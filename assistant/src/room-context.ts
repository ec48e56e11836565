import type { PrismaClient } from '@chat/db';
import type { ContextMessage } from './prompt';

/** The recent messages of a room that go with a prompt. */
export interface RoomContext {
  /** Up to `limit` messages of the room just before `beforeId`, oldest first (what the persister has stored). */
  before(roomId: string, beforeId: string, limit: number): Promise<ContextMessage[]>;
  /** Resolves when Postgres answers (readiness). */
  ping(): Promise<void>;
}

/** Reads the room's history from Postgres, on the (room_id, id DESC) index the history API uses. */
export function createRoomContext(db: PrismaClient): RoomContext {
  return {
    async before(roomId, beforeId, limit) {
      if (limit === 0) return [];
      const rows = await db.$queryRaw<{ sender_id: string; sender_username: string; body: string }[]>`
        SELECT sender_id::text, sender_username, body
          FROM messages WHERE room_id = ${roomId}::uuid AND id < ${beforeId}::uuid
         ORDER BY messages.id DESC LIMIT ${limit}`;
      return rows.reverse().map((r) => ({ senderId: r.sender_id, senderUsername: r.sender_username, body: r.body }));
    },
    async ping() {
      await db.$queryRaw`SELECT 1`;
    },
  };
}
