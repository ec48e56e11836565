import type { ChatServer } from './types';

/** The Socket.IO room of the sockets of one login session (on every gateway). */
export const sessionChannel = (sessionId: string): string => `session:${sessionId}`;

/** Tells every gateway that sessions ended: their sockets are disconnected at once. */
export interface SessionRevocation {
  ended(sessionIds: readonly string[]): void;
}

/**
 * Revocation through the adapter: `disconnectSockets` on a room reaches the sockets of every gateway
 * (the Redis stream every gateway reads), within the adapter's delivery time. A gateway that misses it
 * (down, partitioned) holds no socket of the session once it is back: its sockets reconnect through the
 * handshake, which checks the session in PostgreSQL, as every REST request does.
 */
export function createSessionRevocation(io: ChatServer): SessionRevocation {
  return {
    ended(sessionIds) {
      if (sessionIds.length > 0) io.in(sessionIds.map(sessionChannel)).disconnectSockets(true);
    },
  };
}
