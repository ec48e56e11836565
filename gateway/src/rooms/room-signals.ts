import { type RoomMember, roomChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { ChatServer, RoomEvents } from '../realtime/types';
import type { RoomRepository } from '../store/rooms';
import type { RoomPolicy } from './room-policy';

/** How long one gateway reuses a room's online set for members pages (a 10,000-member room is paged fast). */
const ONLINE_TTL_MS = 2_000;
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
   * Who of the room has a socket open anywhere. `fresh` asks every gateway now (a first page); otherwise a
   * set read in the last 2 s is reused (the next pages of a listing, so that they page the same set).
   */
  onlineIn(roomId: string, fresh?: boolean): Promise<Set<string>>;
}

export function createRoomSignals(io: ChatServer, roomEvents: RoomEvents, rooms: Pick<RoomRepository, 'get'>, policy: RoomPolicy, log: Logger): RoomSignals {
  const online = new Map<string, { at: number; ids: Promise<Set<string>> }>();
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
      await roomChanged(roomId, viewerId);
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
    onlineIn(roomId, fresh = false) {
      const cached = online.get(roomId);
      if (!fresh && cached && Date.now() - cached.at < ONLINE_TTL_MS) return cached.ids;
      const ids = io
        .in(roomChannel(roomId))
        .fetchSockets()
        .then((sockets) => new Set(sockets.map((s) => s.data.user.id)))
        .catch((error: unknown) => {
          log.warn({ err: error, roomId }, 'could not read who is online');
          online.delete(roomId);
          return new Set<string>();
        });
      if (online.size > 10_000) online.clear();
      online.set(roomId, { at: Date.now(), ids });
      return ids;
    },
  };
}
