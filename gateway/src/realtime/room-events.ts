import { roomChannel, userChannel } from '@chat/protocol';
import type { ChatServer, RoomEvents } from './types';

/** Membership and account changes made over REST, applied to the user's sockets on every gateway. */
export function createRoomEvents(io: ChatServer): RoomEvents {
  return {
    joined(userId, room) {
      io.in(userChannel(userId)).socketsJoin(roomChannel(room.id));
      io.to(userChannel(userId)).emit('room:joined', room);
    },
    left(userId, roomId) {
      io.in(userChannel(userId)).socketsLeave(roomChannel(roomId));
      io.to(userChannel(userId)).emit('room:left', { roomId });
    },
    accountDeleted(userId) {
      io.in(userChannel(userId)).disconnectSockets(true);
    },
  };
}
