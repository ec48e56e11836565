import { AppError, toAppError } from '@chat/service-kit';
import { activeUser } from '../http/authenticate';
import type { SocketCap } from '../redis/socket-cap';
import type { ChatServer, ChatSocket, SocketServerDeps } from './types';

/**
 * Authenticates every new connection (the token of the handshake, a session that is still active) and
 * looks up its rooms before the client is told it is connected: {@link takeHandshakeRooms} hands them
 * to the connection handler, which joins them synchronously. Joining after an await left a moment in
 * which the client was connected but not yet in its rooms.
 */
export function installHandshake(io: ChatServer, deps: Pick<SocketServerDeps, 'tokens' | 'users' | 'sessions' | 'rooms' | 'log'> & { socketCap: SocketCap }): (socket: ChatSocket) => string[] {
  const handshakeRooms = new WeakMap<ChatSocket, string[]>();
  io.use(async (socket, next) => {
    try {
      const token: unknown = socket.handshake.auth?.token;
      const claimed = deps.tokens.verify(typeof token === 'string' ? token : undefined);
      const user = await activeUser(claimed, deps.users, deps.sessions);
      socket.data.user = user;
      socket.data.role = claimed.role;
      socket.data.sessionId = claimed.sessionId;
      const rooms = await deps.rooms.memberRoomIds(user.id);
      // Last, so that a refused handshake holds no slot: 1,000 sockets on one token all connected before.
      if (claimed.role !== 'service' && !(await deps.socketCap.claim(user.id, socket.id))) {
        throw new AppError('RATE_LIMITED', 'too many open connections for this account: close some tabs or devices');
      }
      handshakeRooms.set(socket, rooms);
      next();
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === 'INTERNAL') deps.log.error({ err: error }, 'handshake failed');
      const refusal = new Error(appError.code) as Error & { data: unknown };
      refusal.data = appError.toBody();
      next(refusal);
    }
  });
  return function takeHandshakeRooms(socket) {
    const rooms = handshakeRooms.get(socket) ?? [];
    handshakeRooms.delete(socket);
    return rooms;
  };
}
