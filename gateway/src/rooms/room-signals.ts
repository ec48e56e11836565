import { type RoomMember, roomChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { AccessCache } from '../auth/access-cache';
import type { ChatServer, RoomEvents } from '../realtime/types';
import type { RoomRepository } from '../store/rooms';
import { createOnlineMembers } from './online-members';
import type { RoomPolicy } from './room-policy';

/** How long a policy change waits for the other gateways' acknowledgements. */
const POLICY_ACK_MS = 1_000;

/**
 * What room administration tells live sockets, on every gateway (the Socket.IO adapter carries each
 * emit and each `socketsLeave` through the one Redis stream, in order, so a member who is removed stops
 * receiving before anything the room says after the removal).
 */
export interface RoomSignals {
  /** `room:updated` to every member: settings, owner or member count changed. */
  roomChanged(roomId: string, viewerId: string): Promise<void>;
  /** `member:updated` to every member. */
  memberUpdated(roomId: string, member: RoomMember): void;
  /** A kicked or banned member: `room:left` to it, its sockets out of the room, its recovery sessions ended; the rest see the count. */
  removed(userId: string, roomId: string, viewerId: string): Promise<void>;
  /**
   * Mutes or archive state changed: every gateway's cached copy goes. Resolves once every other gateway
   * acknowledged (or after a second without an answer, from a gateway that is going away), so that the
   * REST answer means the change holds everywhere.
   */
  policyChanged(roomId: string): Promise<void>;
  /**
   * Who of the room has a socket open anywhere (rooms/online-members.ts). `fresh` (a first page): a set
   * read at most 500 ms before the call, renewed in the background while it is in use, so that a busy
   * room's first pages do not wait for the other gateways; otherwise a set read in the last 2 s is reused
   * (the next pages of a listing, so that they page the same set).
   */
  onlineIn(roomId: string, fresh?: boolean): Promise<Set<string>>;
  /** Who of the room is online, read after the call and not kept for pages (a member's flag in `member:updated`). */
  onlineNow(roomId: string): Promise<Set<string>>;
}

/** `access` (auth/access-cache.ts): the removed member's remembered memberships go on every gateway before `removed` resolves. */
export function createRoomSignals(
  io: ChatServer,
  roomEvents: RoomEvents,
  rooms: Pick<RoomRepository, 'get'>,
  policy: RoomPolicy,
  log: Logger,
  access?: Pick<AccessCache, 'changed'>,
): RoomSignals {
  // Answers the other gateways' room:online from here on (one RoomSignals per gateway).
  const online = createOnlineMembers(io, log);
  online.attach();
  const roomChanged = async (roomId: string, viewerId: string) => {
    try {
      const room = await rooms.get(roomId, viewerId);
      // A direct conversation is named after the other member: one event cannot say it right for both.
      if (room && room.visibility !== 'direct') io.to(roomChannel(roomId)).emit('room:updated', { room });
    } catch (error) {
      log.warn({ err: error, roomId }, 'could not announce the room change');
    }
  };
  return {
    roomChanged,
    memberUpdated(roomId, member) {
      io.to(roomChannel(roomId)).emit('member:updated', { roomId, member });
    },
    async removed(userId, roomId, viewerId) {
      roomEvents.left(userId, roomId);
      await Promise.all([access?.changed({ memberships: [userId] }), roomChanged(roomId, viewerId)]);
    },
    async policyChanged(roomId) {
      policy.invalidate(roomId);
      try {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no acknowledgement within ${POLICY_ACK_MS} ms`)), POLICY_ACK_MS);
        });
        await Promise.race([io.serverSideEmitWithAck('room:policy', roomId), late]).finally(() => clearTimeout(timer));
      } catch (error) {
        log.warn({ err: error, roomId }, 'not every gateway confirmed the room change in time (its cache expires by itself)');
      }
    },
    onlineIn: (roomId, fresh) => online.onlineIn(roomId, fresh),
    onlineNow: (roomId) => online.now(roomId),
  };
}
