import { roomChannel, roomRefSchema } from '@chat/protocol';
import type { Connection } from '../connection';

/** A socket's typing notices are forwarded at most this often per room. */
const TYPING_INTERVAL_MS = 1_000;

/** `typing:start`: forwarded to the room's other members, volatile and throttled; no ack. */
export function handleTyping(conn: Connection): void {
  conn.socket.on('typing:start', (input) => {
    if (!conn.events.take()) return;
    const parsed = roomRefSchema.safeParse(input);
    if (!parsed.success || !conn.socket.rooms.has(roomChannel(parsed.data.roomId))) return;
    const now = Date.now();
    if (now - (conn.lastTyping.get(parsed.data.roomId) ?? 0) < TYPING_INTERVAL_MS) return;
    conn.lastTyping.set(parsed.data.roomId, now);
    conn.socket.to(roomChannel(parsed.data.roomId)).volatile.emit('typing', { roomId: parsed.data.roomId, user: conn.user });
  });
}
