import { userChannel } from '@chat/protocol';
import { markRead, type MarkReadDeps } from '../../attention/mark-read';
import type { Connection, HandlerDeps } from '../connection';
import { onChange } from './message-change';

/** `room:read`: my marker moves forward (attention/mark-read.ts); my other sockets, on every gateway, hear of it. */
export function handleRoomRead(conn: Connection, deps: HandlerDeps, attention: MarkReadDeps): void {
  conn.socket.on('room:read', (input, ack) =>
    onChange(conn, deps, 'room:read', ack, async () => {
      const { roomId, lastReadId, moved } = await markRead(attention, conn.user, conn.canPostTo, input);
      if (moved) conn.socket.to(userChannel(conn.user.id)).emit('room:read', { roomId, messageId: lastReadId });
      return { ok: true as const, lastReadId };
    }),
  );
}
