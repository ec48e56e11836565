import { type PublicUser, roomChannel, userChannel } from '@chat/protocol';
import type { RoomRepository } from '../store/rooms';
import type { ChatServer } from './types';

/**
 * Tells the user's rooms that the user came online (first socket anywhere) or went offline (last socket
 * gone). Counting the user's sockets across gateways through the adapter keeps no state that a crashed
 * gateway could leave stale.
 */
export function createPresence(io: ChatServer, rooms: Pick<RoomRepository, 'memberRoomIds'>) {
  return async function announcePresence(user: PublicUser, status: 'online' | 'offline'): Promise<void> {
    const sockets = await io.in(userChannel(user.id)).fetchSockets();
    if ((status === 'online' && sockets.length !== 1) || (status === 'offline' && sockets.length !== 0)) return;
    const roomIds = await rooms.memberRoomIds(user.id);
    if (roomIds.length > 0) io.to(roomIds.map(roomChannel)).except(userChannel(user.id)).emit('presence', { user, status });
  };
}

export type AnnouncePresence = ReturnType<typeof createPresence>;
