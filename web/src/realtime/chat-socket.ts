import type { ClientToServerEvents, ServerToClientEvents } from '@chat/protocol';
import { io, type Socket } from 'socket.io-client';

/** The app's socket: a wrong event name or payload is a compile error. */
export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Opens the socket on the page's origin (nginx routes /socket.io to a gateway). The token is read at
 * every (re)connection attempt, so a reconnect always presents the current one.
 */
export function connectChatSocket(getToken: () => string | undefined): ChatSocket {
  return io({
    path: '/socket.io',
    auth: (send) => send({ token: getToken() }),
    // WebSocket first: one long-lived connection, no polling requests that affinity must keep together.
    // Polling stays as the fallback for networks that block WebSocket.
    transports: ['websocket', 'polling'],
    // Connected by the controller once its listeners are in place (RealtimeConnection.open).
    autoConnect: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
  });
}
