import type { PrismaClient } from '@chat/db';
import type { ProfileInput, UserProfile } from '@chat/protocol';
import { avatarPath } from '../files/avatar-service';

/** The profile columns of `users`, as SQL selects them (alias `u`). */
export const PROFILE_COLUMNS = `u.id::text AS id, u.username, u.display_name, u.status_text, u.status_expires_at, u.avatar_key`;

export interface ProfileRow {
  id: string;
  username: string;
  display_name: string | null;
  status_text: string | null;
  status_expires_at: Date | null;
  avatar_key: string | null;
}

/** Up to two letters for the avatar: of the display name's first two words, else of the username. */
export function initialsOf(username: string, displayName: string | null): string {
  const words = (displayName ?? '').split(/\s+/).filter(Boolean);
  const letters = words.length >= 2 ? [words[0]!, words[1]!].map((w) => [...w][0]) : [...(words[0] ?? username)].slice(0, 2);
  return letters.join('').toUpperCase();
}

/** A row as the public profile; a status whose expiry passed is gone (expired rows are not rewritten). */
export function toProfile(row: ProfileRow, now = Date.now()): UserProfile {
  const expires = row.status_expires_at;
  const status = row.status_text && (!expires || expires.getTime() > now) ? { text: row.status_text, expiresAt: expires?.toISOString() ?? null } : null;
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    status,
    avatar: { initials: initialsOf(row.username, row.display_name), url: avatarPath(row.id, row.avatar_key) },
  };
}

export interface ProfileRepository {
  get(userId: string): Promise<UserProfile | undefined>;
  /** Applies the fields given (null clears); the profile after it. */
  update(userId: string, input: Omit<ProfileInput, 'avatarId'>): Promise<UserProfile | undefined>;
}

export function createProfileRepository(db: PrismaClient): ProfileRepository {
  const get = async (userId: string) => {
    const rows = await db.$queryRawUnsafe<ProfileRow[]>(`SELECT ${PROFILE_COLUMNS} FROM users u WHERE u.id = $1::uuid`, userId);
    return rows[0] && toProfile(rows[0]);
  };
  return {
    get,
    async update(userId, input) {
      const data: { displayName?: string | null; statusText?: string | null; statusExpiresAt?: Date | null } = {};
      if (input.displayName !== undefined) data.displayName = input.displayName;
      if (input.status !== undefined) {
        data.statusText = input.status?.text ?? null;
        data.statusExpiresAt = input.status?.expiresAt ? new Date(input.status.expiresAt) : null;
      }
      if (Object.keys(data).length > 0) await db.user.updateMany({ where: { id: userId }, data });
      return get(userId);
    },
  };
}
