import type { PublicUser } from '@chat/protocol';

/** How long a "typing" signal lasts without a new one. The sender repeats it every few seconds while typing. */
export const TYPING_TTL_MS = 5_000;
/** How often this client tells the server it is typing: the server fans each signal out to the room. */
export const TYPING_SIGNAL_INTERVAL_MS = 2_500;

/** Who is typing in which room, and until when (epoch milliseconds). */
export type TypingState = Readonly<Record<string, Readonly<Record<string, { user: PublicUser; until: number }>>>>;

/** Someone is typing in a room: (re)starts their indicator. */
export function addTyping(state: TypingState, roomId: string, user: PublicUser, now: number): TypingState {
  return { ...state, [roomId]: { ...state[roomId], [user.id]: { user, until: now + TYPING_TTL_MS } } };
}

/** Someone stopped typing, e.g. their message arrived. */
export function clearTyping(state: TypingState, roomId: string, userId: string): TypingState {
  const room = state[roomId];
  if (!room?.[userId]) return state;
  const { [userId]: _gone, ...rest } = room;
  return { ...state, [roomId]: rest };
}

/** Drops indicators that ran out; returns the same object when nothing changed (no re-render). */
export function pruneTyping(state: TypingState, now: number): TypingState {
  let changed = false;
  const next: Record<string, Record<string, { user: PublicUser; until: number }>> = {};
  for (const [roomId, users] of Object.entries(state)) {
    next[roomId] = {};
    for (const [userId, entry] of Object.entries(users)) {
      if (entry.until > now) next[roomId][userId] = entry;
      else changed = true;
    }
  }
  return changed ? next : state;
}

/** Who is typing in a room now, without me, in a stable (alphabetical) order. */
export function typingUsers(state: TypingState, roomId: string, myUserId: string, now: number): PublicUser[] {
  return Object.values(state[roomId] ?? {})
    .filter((e) => e.until > now && e.user.id !== myUserId)
    .map((e) => e.user)
    .sort((a, b) => a.username.localeCompare(b.username));
}

/** The line under the messages: "ann is typing…", "ann and bob are typing…", "Several people are typing…". */
export function describeTyping(users: readonly PublicUser[]): string {
  const [first, second] = users;
  if (!first) return '';
  if (users.length === 1) return `${first.username} is typing…`;
  if (users.length === 2 && second) return `${first.username} and ${second.username} are typing…`;
  return 'Several people are typing…';
}

/**
 * A leading-edge throttle: `shouldSend(now)` is true at most once per `intervalMs`. Kept per room by
 * the caller, so switching rooms sends the new room's signal at once.
 */
export function createThrottle(intervalMs: number): (now: number) => boolean {
  let last = Number.NEGATIVE_INFINITY;
  return (now) => {
    if (now - last < intervalMs) return false;
    last = now;
    return true;
  };
}
