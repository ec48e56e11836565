import type { PublicUser } from '@chat/protocol';
import { AppError, toAppError } from '@chat/service-kit';
import type { VerifiedToken } from '../auth/tokens';
import { activeUser } from '../http/authenticate';
import type { SocketCap } from '../redis/socket-cap';
import type { ChatServer, ChatSocket, SocketServerDeps } from './types';

/**
 * Authenticates every new connection (the token of the handshake, a session that is still active) and
 * looks up its rooms before the client is told it is connected: {@link takeHandshakeRooms} hands them
 * to the connection handler, which joins them synchronously. Joining after an await left a moment in
 * which the client was connected but not yet in its rooms.
 */
export function installHandshake(
  io: ChatServer,
  deps: Pick<SocketServerDeps, 'tokens' | 'users' | 'sessions' | 'rooms' | 'sessionAccess' | 'log'> & { socketCap: SocketCap },
): (socket: ChatSocket) => string[] {
  const handshakeRooms = new WeakMap<ChatSocket, string[]>();
  /** The user a token may act as and its rooms: for people's tokens one lookup of the session (see types.ts). */
  const access = async (claimed: VerifiedToken): Promise<{ user: PublicUser; rooms: string[] }> => {
    if (claimed.role === 'service' || !claimed.sessionId || !deps.sessionAccess) {
      const user = await activeUser(claimed, deps.users, deps.sessions);
      return { user, rooms: await deps.rooms.memberRoomIds(user.id) };
    }
    const found = await deps.sessionAccess(claimed.sessionId);
    // The same refusal as activeUser's: a session that ended, or one of another user than the token's.
    if (!found || found.user.id !== claimed.id) throw new AppError('UNAUTHORIZED', 'this session has ended: log in again');
    return { user: found.user, rooms: found.roomIds };
  };
  io.use(async (socket, next) => {
    try {
      const token: unknown = socket.handshake.auth?.token;
      const claimed = deps.tokens.verify(typeof token === 'string' ? token : undefined);
      const { user, rooms } = await access(claimed);
      socket.data.user = user;
      socket.data.role = claimed.role;
      socket.data.sessionId = claimed.sessionId;
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
