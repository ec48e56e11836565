import type { MyRoom, Room, RoomPreferences } from '@chat/protocol';

/** What the server says of one room beyond what this tab counts itself (GET /api/rooms, mention:new). */
export interface RoomAttentionView {
  /** The server's unread count when the rooms were loaded; what this tab cannot count (older than its pages). */
  serverUnread: number;
  /** Messages mentioning me since my marker. */
  mentions: number;
  preferences: RoomPreferences;
}

export type AttentionByRoom = Readonly<Record<string, RoomAttentionView>>;

/** DMs notify about every message by default, other rooms about mentions (the server's defaults). */
export const defaultPreferences = (room: Pick<Room, 'visibility'>): RoomPreferences => ({ notify: room.visibility === 'direct' ? 'all' : 'mentions', muted: false });

/** The attention of rooms as `GET /api/rooms` returned them (a room without the fields gets the defaults). */
export function attentionOf(rooms: readonly (Room | MyRoom)[]): AttentionByRoom {
  return Object.fromEntries(
    rooms.map((room) => {
      const mine = room as Partial<MyRoom>;
      return [room.id, { serverUnread: mine.unreadCount ?? 0, mentions: mine.mentionCount ?? 0, preferences: mine.preferences ?? defaultPreferences(room) }];
    }),
  );
}

/** The room was read (here or on another device): the server's counts are spent. */
export function readAll(attention: AttentionByRoom, roomId: string): AttentionByRoom {
  const current = attention[roomId];
  if (!current || (current.serverUnread === 0 && current.mentions === 0)) return attention;
  return { ...attention, [roomId]: { ...current, serverUnread: 0, mentions: 0 } };
}

/** One more mention of me in a room I am not reading. */
export function addMention(attention: AttentionByRoom, room: Pick<Room, 'id' | 'visibility'>): AttentionByRoom {
  const current = attention[room.id] ?? { serverUnread: 0, mentions: 0, preferences: defaultPreferences(room) };
  return { ...attention, [room.id]: { ...current, mentions: current.mentions + 1 } };
}
