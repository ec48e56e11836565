import { compareMessageIds } from '@chat/client';
import type { ChatMessage, MyRoom } from '@chat/protocol';
import type { ChatState } from '../chat/chat-state';
import type { ChatStore } from '../chat/chat-store';
import type { IsReading } from '../chat/incoming-events';
import { advanceMarker } from '../chat/unread';
import type { RealtimeConnection } from '../realtime/realtime-connection';
import { addMention, attentionOf, readAll } from './attention-state';

/** A marker waits this long before it goes to the server: reading a busy room sends one, not one per message. */
export const READ_SEND_DELAY_MS = 300;

/**
 * Read state that follows the user (issue 15): the server's markers and counts from `GET /api/rooms`
 * are merged into the state, a marker this tab advances while the user reads goes to the server
 * (`room:read`, debounced per room), markers set on my other devices arrive as `room:read`, and
 * `mention:new` counts a mention of a room I am not reading (and is handed to `onMention`).
 */
export class AttentionSync {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per room, the newest marker the server holds (sent or received): never sent twice. */
  private readonly serverMarkers = new Map<string, string>();

  constructor(
    private readonly store: ChatStore,
    private readonly connection: RealtimeConnection,
    private readonly reading: IsReading,
    private readonly onMention: (message: ChatMessage) => void = () => undefined,
  ) {}

  /** Wires the events and watches the markers; call once, before the connection opens. */
  start(): void {
    this.connection.on('room:read', ({ roomId, messageId }) => this.serverMarked(roomId, messageId));
    this.connection.on('mention:new', ({ message }) => {
      const state = this.store.getState();
      const room = state.rooms.find((r) => r.id === message.roomId);
      if (room && !this.reading(state, room.id)) this.store.commit((s) => ({ attention: addMention(s.attention, room) }));
      this.onMention(message);
    });
    let markers = this.store.getState().readMarkers;
    this.store.subscribe(() => {
      const state = this.store.getState();
      if (state.readMarkers === markers) return;
      const before = markers;
      markers = state.readMarkers;
      for (const [roomId, id] of Object.entries(markers)) if (before[roomId] !== id && this.reading(state, roomId)) this.readHere(roomId, id);
    });
  }

  /** The rooms as the server listed them: its markers (never moving mine back) and counts. */
  receiveRooms(rooms: readonly MyRoom[]): void {
    for (const room of rooms) if (room.lastReadId) this.remember(room.id, room.lastReadId);
    this.store.commit((state) => {
      let readMarkers = state.readMarkers;
      for (const room of rooms) readMarkers = advanceMarker(readMarkers, room.id, room.lastReadId ?? undefined);
      // The open room's "New messages" line: what my other devices read is not new to me.
      let divider = state.unreadDivider;
      const open = rooms.find((r) => r.id === state.activeRoomId);
      if (open?.lastReadId) {
        const here = divider?.roomId === open.id ? divider.afterId : undefined;
        divider = { roomId: open.id, afterId: here && compareMessageIds(here, open.lastReadId) > 0 ? here : open.lastReadId };
      }
      return { attention: attentionOf(rooms), readMarkers, unreadDivider: divider };
    });
  }

  /** Stops pending sends (the session ends). */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private readHere(roomId: string, messageId: string): void {
    this.store.commit((state) => ({ attention: readAll(state.attention, roomId) }));
    const held = this.serverMarkers.get(roomId);
    if (held !== undefined && compareMessageIds(held, messageId) >= 0) return;
    clearTimeout(this.timers.get(roomId));
    this.timers.set(
      roomId,
      setTimeout(() => {
        this.timers.delete(roomId);
        const newest = this.store.getState().readMarkers[roomId];
        if (!newest) return;
        this.remember(roomId, newest);
        // Best effort: a marker lost with the link is sent again the next time the room is read.
        void this.connection.markRead({ roomId, messageId: newest }).then((ack) => {
          if (!ack.ok) this.serverMarkers.delete(roomId);
        });
      }, READ_SEND_DELAY_MS),
    );
  }

  private serverMarked(roomId: string, messageId: string): void {
    this.remember(roomId, messageId);
    this.store.commit((state: ChatState) => ({ readMarkers: advanceMarker(state.readMarkers, roomId, messageId), attention: readAll(state.attention, roomId) }));
  }

  private remember(roomId: string, messageId: string): void {
    const held = this.serverMarkers.get(roomId);
    if (held === undefined || compareMessageIds(held, messageId) < 0) this.serverMarkers.set(roomId, messageId);
  }
}
