import { z } from 'zod';
import type { ChatMessage } from './models';

/**
 * Attention: read markers, mentions, notification preferences and search (issue 15). The shapes the
 * gateway answers and the web app reads, and the one mention parser both use (the server resolves
 * mentions at send time; the web app highlights them with the same rules).
 */

/** `room:read` (client → server): my read marker in the room moves forward to `messageId`, never back. */
export const readMarkSchema = z.strictObject({ roomId: z.uuid('must be a UUID'), messageId: z.uuid('must be a UUID') });
export type ReadMarkInput = z.input<typeof readMarkSchema>;

/** `room:read` (server → my other sockets): my marker in the room is now `messageId`. */
export interface RoomReadEvent {
  roomId: string;
  messageId: string;
}

/** `mention:new`: a message that mentions me (by name or `@room`), on every socket I have. */
export interface MentionNewEvent {
  message: ChatMessage;
}

/** Which messages of a room notify me: every one, only those that mention me, or none. */
export type NotifyLevel = 'all' | 'mentions' | 'none';

/** My notification preferences for one room. Defaults: `all` in direct rooms, `mentions` elsewhere; not muted. */
export interface RoomPreferences {
  notify: NotifyLevel;
  /** A muted room shows no count, only a dot, and raises no notification. */
  muted: boolean;
}

/** `PUT /api/rooms/:id/preferences`: both fields, the whole preference. */
export const roomPreferencesSchema = z.strictObject({
  notify: z.enum(['all', 'mentions', 'none']),
  muted: z.boolean(),
});

export interface RoomPreferencesResponse {
  preferences: RoomPreferences;
}

/** What `GET /api/rooms` adds to each room: my read state, computed on the server. */
export interface RoomAttention {
  /** The newest message I have read; null when I never marked the room read. */
  lastReadId: string | null;
  /**
   * Top-level messages of others after my marker (and after I joined), not deleted; at most
   * {@link UNREAD_COUNT_CAP} (a client shows "999+").
   */
  unreadCount: number;
  /** Messages (replies included) after my marker that mention me or `@room`. */
  mentionCount: number;
  preferences: RoomPreferences;
}

/** `unreadCount` is exact up to this many; past it the room has "this many or more". */
export const UNREAD_COUNT_CAP = 1000;
/**
 * `@room` from the owner or an admin notifies every member of a room of at most this many: the log
 * carries a message's mentions as ids, at most this many (a larger room needs a room-wide flag instead).
 */
export const ROOM_MENTION_MAX_MEMBERS = 100;
/** At most this many names of one message are looked up (the rest stay plain text). */
export const MENTION_NAMES_MAX = 50;

/** `GET /api/search`. */
export const searchQuerySchema = z.strictObject({
  q: z.string().trim().min(1, 'q must not be empty').max(200, 'q must be at most 200 characters'),
  roomId: z.uuid('must be a UUID').optional(),
  /** A username: only messages this user sent. */
  from: z.string().min(1).max(32).optional(),
  /** The `next` of the previous page. */
  before: z.string().regex(/^\d{1,4}$/, 'before must be the next cursor of a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** One result: the message as history shows it, and where in its body the query matched. */
export interface SearchResult {
  message: ChatMessage;
  /** Ranges of `message.body` that matched, `[start, end)` in UTF-16 code units, in order. */
  highlights: { start: number; end: number }[];
}

export interface SearchResponse {
  results: SearchResult[];
  /** Pass as `before` for the next page; null on the last one. */
  next: string | null;
}

/** One mention as written: where it is in the body and the name after the `@` (as typed). */
export interface MentionToken {
  start: number;
  end: number;
  name: string;
}

/** Code spans (```fenced``` and `inline`): a name in there is code, not a mention. */
const CODE_SPANS = /```[\s\S]*?```|`[^`\n]*`/g;
/** `@` not glued to a word (an e-mail address is not a mention), then a username's characters. */
const MENTION = /(^|[^\w@])@([A-Za-z0-9_.-]+)/g;

/**
 * The `@name` tokens of a body outside code spans, in order. A name followed by punctuation ("@ann," or
 * "@ann.") ends before it: trailing dots and dashes are cut unless a username really ends in them, which
 * the resolver decides (it tries both, see {@link mentionCandidates}).
 */
export function findMentions(body: string): MentionToken[] {
  const masked = body.replace(CODE_SPANS, (span) => ' '.repeat(span.length));
  const found: MentionToken[] = [];
  for (const match of masked.matchAll(MENTION)) {
    const start = match.index + match[1]!.length;
    const name = match[2]!;
    found.push({ start, end: start + 1 + name.length, name });
  }
  return found;
}

/** The lower-cased names a token may mean: as written, and without trailing punctuation. */
export function mentionCandidates(name: string): string[] {
  const lower = name.toLowerCase();
  const trimmed = lower.replace(/[.-]+$/, '');
  return trimmed && trimmed !== lower ? [lower, trimmed] : [lower];
}

/** True when a body mentions `@room` (outside code spans). */
export function mentionsRoom(body: string): boolean {
  return findMentions(body).some((t) => mentionCandidates(t.name).includes('room'));
}
