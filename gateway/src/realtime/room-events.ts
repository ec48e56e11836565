import { roomChannel, userChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { Recovery } from './recovery';
import type { ChatServer, RoomEvents } from './types';

/**
 * Membership and account changes made over REST, applied to the user's sockets on every gateway, and
 * to its recovery sessions: a socket that was away when the user left a room or deleted the account
 * must not get that room (or anything) back by recovering its session.
 */
export function createRoomEvents(io: ChatServer, recovery: Pick<Recovery, 'forgetSessions'>, log: Logger): RoomEvents {
  const forget = (userId: string) =>
    recovery.forgetSessions(userId).catch((error: unknown) => log.warn({ err: error, userId }, 'could not end recovery sessions'));
  return {
    joined(userId, room) {
      io.in(userChannel(userId)).socketsJoin(roomChannel(room.id));
      io.to(userChannel(userId)).emit('room:joined', room);
    },
    left(userId, roomId) {
      forget(userId);
      io.in(userChannel(userId)).socketsLeave(roomChannel(roomId));
      io.to(userChannel(userId)).emit('room:left', { roomId });
    },
    invited(userId, invitation) {
      io.to(userChannel(userId)).emit('invitation:new', invitation);
    },
    accountDeleted(userId) {
      forget(userId);
      io.in(userChannel(userId)).disconnectSockets(true);
    },
    profileChanged(user, roomIds) {
      // One emit to the union of channels: a socket in several of these rooms gets it once.
      io.to([userChannel(user.id), ...roomIds.map(roomChannel)]).emit('user:updated', { user });
    },
  };
}
