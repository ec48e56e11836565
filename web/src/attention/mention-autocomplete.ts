import type { PublicUser } from '@chat/protocol';

/** Most suggestions shown at once. */
const MAX_SUGGESTIONS = 6;

/** The `@partial` being typed at the caret, if any: where it starts and what follows the `@`. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const match = /(^|[^\w@])@([A-Za-z0-9_.-]*)$/.exec(before);
  if (!match) return undefined;
  return { start: caret - match[2]!.length - 1, query: match[2]! };
}

/**
 * Members whose username starts with the query (any case), mine excluded; `@room` first when it matches
 * and I may use it (the server resolves `@room` only from the owner and admins of a room of at most
 * ROOM_MENTION_MAX_MEMBERS: offering it to others would suggest a mention that notifies nobody).
 */
export function mentionSuggestions(members: readonly PublicUser[], query: string, myId: string, canMentionRoom = false): string[] {
  const q = query.toLowerCase();
  const names = members.filter((m) => m.id !== myId && m.username.toLowerCase().startsWith(q)).map((m) => m.username);
  return [canMentionRoom && 'room'.startsWith(q) ? ['room'] : [], names].flat().slice(0, MAX_SUGGESTIONS);
}

/** The text with the `@partial` at `start..caret` replaced by `@name ` and where the caret goes. */
export function completeMention(text: string, start: number, caret: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length };
}
