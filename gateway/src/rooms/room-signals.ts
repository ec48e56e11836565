import { type RoomMember, roomChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { AccessCache } from '../auth/access-cache';
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
   * Who of the room has a socket open anywhere. `fresh` asks every gateway after the call (a first page);
   * otherwise a set read in the last 2 s is reused (the next pages of a listing, so that they page the
   * same set). Fresh calls that arrive while a lookup of the room is in flight share the one lookup that
   * starts when it ends: every answer is still read after its call, and a busy room costs the gateways
   * one lookup per round trip instead of one per request.
   */
  onlineIn(roomId: string, fresh?: boolean): Promise<Set<string>>;
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
  const online = new Map<string, { at: number; ids: Promise<Set<string>>; settled: boolean }>();
  const queued = new Map<string, Promise<Set<string>>>();
  const lookUp = (roomId: string) => {
    const entry = { at: Date.now(), settled: false, ids: Promise.resolve(new Set<string>()) };
    entry.ids = io
      .in(roomChannel(roomId))
      .fetchSockets()
      .then((sockets) => new Set(sockets.map((s) => s.data.user.id)))
      .catch((error: unknown) => {
        log.warn({ err: error, roomId }, 'could not read who is online');
        if (online.get(roomId) === entry) online.delete(roomId);
        return new Set<string>();
      })
      .finally(() => {
        entry.settled = true;
      });
    if (online.size > 10_000) online.clear();
    online.set(roomId, entry);
    return entry.ids;
  };
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
    onlineIn(roomId, fresh = false) {
      const last = online.get(roomId);
      if (!fresh && last && Date.now() - last.at < ONLINE_TTL_MS) return last.ids;
      if (!fresh || !last || last.settled) return lookUp(roomId);
      let next = queued.get(roomId);
      if (!next) {
        next = last.ids.then(() => {
          queued.delete(roomId);
          return lookUp(roomId);
        });
        queued.set(roomId, next);
      }
      return next;
    },
  };
}
