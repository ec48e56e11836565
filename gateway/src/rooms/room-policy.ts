import type { PrismaClient } from '@chat/db';
import { AppError, type Logger } from '@chat/service-kit';
import type { ChatServer } from '../realtime/types';
import type { RoomAdminRepository } from '../store/room-admin';

/** What a message needs from the room before it goes out: not archived, the sender not muted. */
export type SpeakAction = 'send' | 'react' | 'edit' | 'delete';

/** The message path's view of room moderation (the send and change paths call it; see send-message.ts). */
export interface RoomPolicy {
  /** FORBIDDEN when the room is archived, or (sends and reactions) the user is muted in it. */
  assertMaySpeak(roomId: string, userId: string, action: SpeakAction): Promise<void>;
  /** Whether the user may delete other people's messages in the room (its owner and admins). */
  mayDeleteOthers(roomId: string, userId: string): Promise<boolean>;
  /** Writes the audit entry of a moderator's deletion. */
  recordModeratorDelete(roomId: string, actorId: string, messageId: string, senderId: string): Promise<void>;
  /** Drops this gateway's copy of the room's state; {@link attach} does the same for the other gateways' announcements. */
  invalidate(roomId: string): void;
  /** Listens to `room:policy` from the other gateways (server-side emits through the adapter). */
  attach(io: ChatServer): void;
}

export interface RoomPolicyOptions {
  /** How long a room's state is trusted without an announcement (mutes also expire by themselves). Default 30 s. */
  ttlMs?: number;
  /** How long a load may take before the send goes ahead without it. Default 500 ms. */
  loadTimeoutMs?: number;
  /** Most rooms cached; past it the cache starts over. Default 20,000. */
  maxRooms?: number;
}

/** How long a room whose state could not be read is treated as known (open) before trying again. */
const FAIL_OPEN_MS = 5_000;

interface RoomState {
  archived: boolean;
  /** userId -> muted until (ms since epoch; Infinity for indefinitely). */
  mutes: Map<string, number>;
  loadedAt: number;
}

/**
 * Room state cached per gateway: a send costs no database query while the room's state is known.
 * Every change of mutes or archive state calls `invalidate` here and announces `room:policy` to the other
 * gateways, so a mute takes effect on every gateway at once; the TTL bounds what a lost announcement costs.
 * When PostgreSQL cannot answer in time, the send goes ahead (fail open): moderation state must not turn a
 * database outage into a chat outage, as the message path itself never needs PostgreSQL.
 */
export function createRoomPolicy(db: PrismaClient, admin: Pick<RoomAdminRepository, 'roleOf' | 'audit'>, log: Logger, options: RoomPolicyOptions = {}): RoomPolicy {
  const ttlMs = options.ttlMs ?? 30_000;
  const loadTimeoutMs = options.loadTimeoutMs ?? 500;
  const maxRooms = options.maxRooms ?? 20_000;
  const cache = new Map<string, RoomState>();
  const loading = new Map<string, Promise<RoomState>>();

  const load = async (roomId: string): Promise<RoomState> => {
    const [room, mutes] = await Promise.all([
      db.room.findUnique({ where: { id: roomId }, select: { archivedAt: true } }),
      db.roomMute.findMany({ where: { roomId, OR: [{ until: null }, { until: { gt: new Date() } }] }, select: { userId: true, until: true } }),
    ]);
    return { archived: room?.archivedAt != null, mutes: new Map(mutes.map((m) => [m.userId, m.until?.getTime() ?? Infinity])), loadedAt: Date.now() };
  };

  const stateOf = async (roomId: string): Promise<RoomState | undefined> => {
    const cached = cache.get(roomId);
    if (cached && Date.now() - cached.loadedAt < ttlMs) return cached;
    let pending = loading.get(roomId);
    if (!pending) {
      const started = load(roomId);
      pending = started;
      loading.set(roomId, started);
      // Kept only if no invalidation came while it loaded (that one may be newer than what was read).
      started.then(
        (state) => {
          if (loading.get(roomId) !== started) return;
          loading.delete(roomId);
          if (cache.size >= maxRooms) cache.clear();
          cache.set(roomId, state);
        },
        () => {
          if (loading.get(roomId) === started) loading.delete(roomId);
        },
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), loadTimeoutMs);
    });
    try {
      const state = await Promise.race([pending, timeout]);
      if (state) return state;
      log.warn({ roomId }, 'the room state took too long to read: allowing the message');
    } catch (error) {
      log.warn({ err: error, roomId }, 'could not read the room state: allowing the message');
    } finally {
      clearTimeout(timer);
    }
    // Fail open, and remember it briefly: a slow database must not slow every send by the timeout.
    const fallback = cached ?? { archived: false, mutes: new Map<string, number>(), loadedAt: 0 };
    cache.set(roomId, { ...fallback, loadedAt: Date.now() - ttlMs + FAIL_OPEN_MS });
    return fallback;
  };

  return {
    async assertMaySpeak(roomId, userId, action) {
      const state = await stateOf(roomId);
      if (!state) return;
      if (state.archived) throw new AppError('FORBIDDEN', 'this room is archived: it is read-only');
      if (action !== 'send' && action !== 'react') return;
      const until = state.mutes.get(userId);
      if (until !== undefined && until > Date.now()) {
        const when = until === Infinity ? 'until a moderator unmutes you' : `until ${new Date(until).toISOString()}`;
        throw new AppError('FORBIDDEN', `you are muted in this room ${when}: you can read but not ${action === 'send' ? 'send messages' : 'react'}`);
      }
    },
    async mayDeleteOthers(roomId, userId) {
      const role = await admin.roleOf(roomId, userId);
      return role === 'owner' || role === 'admin';
    },
    recordModeratorDelete: (roomId, actorId, messageId, senderId) => admin.audit({ roomId, actorId, action: 'message.deleted', targetId: senderId, details: { messageId } }),
    invalidate(roomId) {
      cache.delete(roomId);
      loading.delete(roomId);
    },
    attach(io) {
      io.on('room:policy', (roomId: unknown, done: unknown) => {
        if (typeof roomId === 'string') {
          cache.delete(roomId);
          loading.delete(roomId);
        }
        if (typeof done === 'function') done(true);
      });
    },
  };
}
