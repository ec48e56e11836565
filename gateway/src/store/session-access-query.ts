import type { PgPool } from '@chat/db';
import type { PublicUser } from '@chat/protocol';
import { pgStatement } from './pg-statement';

/** What a people's handshake needs of the database: the session's user while it is active, and its rooms. */
export interface SessionAccess {
  user: PublicUser;
  /** Ids of every room the user is a member of (what the socket joins). */
  roomIds: string[];
}

/** Reads one session's access in one statement; undefined when it ended, expired or never was. */
export type SessionAccessQuery = (sessionId: string) => Promise<SessionAccess | undefined>;

// The same conditions as SessionRepository.findActive, and RoomRepository.memberRoomIds as an array of the
// same row: a first connect was two statements through Prisma (its query layer was ~12 % of a connect
// storm's gateway CPU) and two round trips to PostgreSQL.
const SQL = `
SELECT u.id::text AS id, u.username,
       ARRAY(SELECT m.room_id::text FROM memberships m WHERE m.user_id = u.id) AS room_ids
FROM auth_sessions s JOIN users u ON u.id = s.user_id
WHERE s.id = $1::uuid AND s.ended_at IS NULL AND s.expires_at > now()`;

/** The cold half of a handshake (see auth/access-cache.ts for the warm one) as one prepared `pg` statement. */
export function createSessionAccessQuery(pool: PgPool): SessionAccessQuery {
  const statement = pgStatement<{ id: string; username: string; room_ids: string[] }>(pool, SQL);
  return async (sessionId) => {
    const row = (await statement([sessionId]))[0];
    return row ? { user: { id: row.id, username: row.username }, roomIds: row.room_ids } : undefined;
  };
}
