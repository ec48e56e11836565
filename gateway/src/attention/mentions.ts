import type { PrismaClient } from '@chat/db';
import { findMentions, MENTION_NAMES_MAX, mentionCandidates, ROOM_MENTION_MAX_MEMBERS } from '@chat/protocol';

/**
 * Resolves the mentions of a body at send time, on the server (a client's claim is never trusted):
 * `@name` (any case, punctuation after it allowed) of a member of the room, and `@room` for every member
 * when the sender is the room's owner or an admin and the room has at most {@link ROOM_MENTION_MAX_MEMBERS}
 * members. Names in code spans, unknown names and people who are not members are plain text; the sender
 * never mentions themself. One query, and none for a body without an `@`.
 */
export function createMentionResolver(db: PrismaClient): (roomId: string, senderId: string, body: string) => Promise<string[]> {
  return async (roomId, senderId, body) => {
    if (!body.includes('@')) return [];
    const names = new Set<string>();
    for (const token of findMentions(body)) for (const name of mentionCandidates(token.name)) names.add(name);
    if (names.size === 0) return [];
    const everyone = names.delete('room');
    const wanted = [...names].slice(0, MENTION_NAMES_MAX * 2);
    // With @room from an owner or admin: every member (one more than allowed tells the room is too big);
    // otherwise the named ones.
    const rows = everyone
      ? await db.$queryRaw<{ id: string; name: string }[]>`
          SELECT u.id::text, lower(u.username) AS name FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.room_id = ${roomId}::uuid
             AND EXISTS (SELECT 1 FROM memberships s WHERE s.room_id = m.room_id AND s.user_id = ${senderId}::uuid AND s.role IN ('owner', 'admin'))
           ORDER BY m.joined_at LIMIT ${ROOM_MENTION_MAX_MEMBERS + 1}`
      : [];
    const roomWide = everyone && rows.length > 0 && rows.length <= ROOM_MENTION_MAX_MEMBERS;
    const named = roomWide || wanted.length === 0
      ? []
      : await db.$queryRaw<{ id: string; name: string }[]>`
          SELECT u.id::text, lower(u.username) AS name FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.room_id = ${roomId}::uuid AND lower(u.username) = ANY(${wanted}::text[])`;
    const ids = new Set((roomWide ? rows : named).map((r) => r.id));
    ids.delete(senderId);
    return [...ids];
  };
}
