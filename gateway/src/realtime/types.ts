import type { Server, Socket } from 'socket.io';
import type { Redis } from 'ioredis';
import type { ClientToServerEvents, InterServerEvents, Invitation, Room, ServerToClientEvents, SocketData, UserProfile } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { AttentionDeps } from '../attention/attention-store';
import type { TokenService } from '../auth/tokens';
import type { GatewayConfig } from '../config';
import type { Metrics } from '../metrics';
import type { RoomRepository } from '../store/rooms';
import type { SessionAccess } from '../store/session-access-query';
import type { SessionRepository } from '../store/sessions';
import type { UserRepository } from '../store/users';
import type { ChangeMessageDeps } from './change-message';

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketServerDeps {
  config: GatewayConfig;
  redis: Redis;
  tokens: TokenService;
  users: UserRepository;
  sessions: SessionRepository;
  rooms: RoomRepository;
  /**
   * A people's session and its user's rooms in one lookup (auth/access-cache.ts); without it, a handshake
   * reads them as two (`sessions.findActive`, `rooms.memberRoomIds`).
   */
  sessionAccess?: (sessionId: string) => Promise<SessionAccess | undefined>;
  send: Omit<ChangeMessageDeps, 'broadcast'>;
  metrics: Metrics;
  log: Logger;
  /** Read markers and mention notices (issue 15). */
  attention: AttentionDeps;
  /** True from SIGTERM on: new connections are refused so that clients go to another gateway. */
  isDraining: () => boolean;
}

/** What the REST side tells the real-time side when memberships or accounts change (on every gateway). */
export interface RoomEvents {
  /** Resolves once every gateway's remembered room list of the user is gone, where one is kept (auth/access-cache.ts). */
  joined(userId: string, room: Room): void | Promise<void>;
  left(userId: string, roomId: string): void;
  /** The user was invited to a room (not a member until it accepts). */
  invited(userId: string, invitation: Invitation): void;
  /** The account is gone: its open sockets are closed, so they can no longer send with a token that outlived it. */
  accountDeleted(userId: string): void;
  /** A profile changed: `user:updated` to the user's sockets and to every member of its rooms, once per socket. */
  profileChanged(user: UserProfile, roomIds: readonly string[]): void;
}
