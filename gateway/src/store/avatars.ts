import type { PrismaClient } from '@chat/db';

/** The avatar columns of `users`: the current picture's object key and the one granted for the next. */
export interface AvatarRepository {
  /** Records `key` as the user's pending avatar upload; the pending key it replaces (its object is to delete). */
  grant(userId: string, key: string): Promise<{ replaced: string | null } | undefined>;
  /**
   * Makes the pending `key` the user's avatar, if it still is their pending one; the key it replaces.
   * undefined when `key` is not (or no longer) pending.
   */
  promote(userId: string, key: string): Promise<{ replaced: string | null } | undefined>;
  /** Removes the user's picture; the key it had. */
  clear(userId: string): Promise<string | null>;
  /** The user's avatar keys, current and pending (undefined: no such user). */
  keys(userId: string): Promise<{ current: string | null; pending: string | null } | undefined>;
}

export function createAvatarRepository(db: PrismaClient): AvatarRepository {
  // Each change reads the key it replaces under the row's lock (FOR UPDATE reads the latest version), so
  // two changes at once each delete what they replaced: no object is left behind or deleted twice.
  const swap = async (set: string, userId: string, key: string | null, replacedColumn: 'avatar_key' | 'avatar_pending_key', onlyIfPending = false) => {
    const rows = await db.$queryRawUnsafe<{ replaced: string | null }[]>(
      `WITH old AS (SELECT id, avatar_key, avatar_pending_key FROM users WHERE id = $1::uuid FOR UPDATE)
       UPDATE users u SET ${set} FROM old WHERE u.id = old.id ${onlyIfPending ? 'AND old.avatar_pending_key = $2::text' : ''}
       RETURNING old.${replacedColumn} AS replaced`,
      userId, key,
    );
    return rows[0];
  };
  return {
    grant: (userId, key) => swap('avatar_pending_key = $2::text', userId, key, 'avatar_pending_key'),
    promote: (userId, key) => swap('avatar_key = $2::text, avatar_pending_key = NULL', userId, key, 'avatar_key', true),
    async clear(userId) {
      // $2 is null here: the picture's column is cleared.
      return (await swap('avatar_key = $2::text', userId, null, 'avatar_key'))?.replaced ?? null;
    },
    async keys(userId) {
      const rows = await db.$queryRawUnsafe<{ avatar_key: string | null; avatar_pending_key: string | null }[]>(
        `SELECT avatar_key, avatar_pending_key FROM users WHERE id = $1::uuid`, userId,
      );
      return rows[0] && { current: rows[0].avatar_key, pending: rows[0].avatar_pending_key };
    },
  };
}
