import { type ChatMessage, freshMessageFields, type PublicUser, type Room } from '@chat/protocol';

/** Users of the tests. */
export const ann: PublicUser = { id: '0190a000-0000-7000-8000-00000000000a', username: 'ann' };
export const bob: PublicUser = { id: '0190a000-0000-7000-8000-00000000000b', username: 'bob' };

export const ROOM_ID = '0190b000-0000-7000-8000-000000000001';
export const OTHER_ROOM_ID = '0190b000-0000-7000-8000-000000000002';

/** A UUIDv7-shaped id that sorts by `n`, as the gateway's ids sort by acceptance time. */
export const messageId = (n: number): string => `0190c000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

/** Message number `n` of a room, `n` seconds after a fixed start, by `sender`. */
export function message(n: number, overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: messageId(n),
    roomId: ROOM_ID,
    body: `message ${n}`,
    clientMsgId: `c${n}`,
    sender: bob,
    createdAt: new Date(Date.UTC(2026, 10, 27, 12, 0, n)).toISOString(),
    ...freshMessageFields(),
    ...overrides,
  };
}

/** Messages `from`..`to` inclusive, oldest first, as a history page returns them. */
export const messages = (from: number, to: number, overrides: Partial<ChatMessage> = {}): ChatMessage[] =>
  Array.from({ length: to - from + 1 }, (_, i) => message(from + i, overrides));

export function room(id: string, name: string, overrides: Partial<Room> = {}): Room {
  return { id, name, visibility: 'public', createdAt: '2026-11-27T12:00:00.000Z', memberCount: 2, ...overrides };
}
