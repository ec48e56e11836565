import type { PublicUser } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { ChatServer, RoomEvents } from '../realtime/types';
import type { RoomRepository } from '../store/rooms';
import type { SessionAccess, SessionAccessQuery } from '../store/session-access-query';
import type { SessionRepository } from '../store/sessions';
import type { UserRepository } from '../store/users';

/** What stopped being true somewhere: every gateway drops what it remembered of it. */
export interface AccessChange {
  /** Accounts that are gone: their user, sessions and memberships. */
  users?: string[];
  /** Sessions that ended (logout, revocation, a replayed refresh token). */
  sessions?: string[];
  /**
   * Users whose memberships changed: they left a room, were removed from one, or joined one (all their
   * remembered memberships go, and the list of their rooms).
   */
  memberships?: string[];
}

export interface AccessCacheOptions {
  /** How long a positive answer is trusted without an announcement (bounds a lost one). Default 30 s. */
  ttlMs?: number;
  /** Most entries of each kind; past it that kind starts over. Default 50,000. */
  maxEntries?: number;
  /** How long a change waits for the other gateways' acknowledgements. Default 1 s. */
  ackTimeoutMs?: number;
}

/** The repositories with their hot reads remembered and their writes announced (see {@link createAccessCache}). */
export interface AccessCache {
  users: UserRepository;
  sessions: SessionRepository;
  rooms: RoomRepository;
  /**
   * A people's handshake in one step: the session's user while it is active and the user's rooms, from
   * what is remembered, else in one statement (both then remembered, as `sessions.findActive` and
   * `rooms.memberRoomIds` would have). Undefined when the session is not active.
   */
  sessionAccess(sessionId: string): Promise<SessionAccess | undefined>;
  /** Drops the change here, then on every other gateway; resolves once they acknowledged (or after the timeout). */
  changed(change: AccessChange): Promise<void>;
  /** Listens to `access:changed` from the other gateways. */
  attach(io: ChatServer): void;
}

/** The strings of a list from another gateway (anything else is ignored). */
const ids = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

interface Entry<V> {
  value: V;
  at: number;
}

/**
 * "This session is active", "this user exists" and "this user is a member of this room", remembered per
 * gateway: an authenticated REST request or handshake, and a history page, then cost no query for them.
 * Only positive answers are kept, so what grants access (a join, a new session) needs no announcement;
 * every write that takes access away drops the entry on this gateway and then on every other one
 * (`access:changed` through the adapter, acknowledged) before the REST call answers: a session ended, an
 * account deleted or a leave through the wrapped repositories here, a kick or a ban through
 * `RoomSignals.removed` (alongside `room:left`, so that the live signal does not wait for the round trip).
 * The REST answer of a kick means the member is refused on every gateway. A load that overlaps any change is not kept (it may have read
 * what the change replaced). A gateway that misses an announcement trusts what it has for at most the TTL.
 */
export function createAccessCache(
  base: { users: UserRepository; sessions: SessionRepository; rooms: RoomRepository; sessionAccess?: SessionAccessQuery },
  log: Logger,
  options: AccessCacheOptions = {},
): AccessCache {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 50_000;
  const ackTimeoutMs = options.ackTimeoutMs ?? 1_000;
  const sessions = new Map<string, Entry<PublicUser>>();
  const users = new Map<string, Entry<PublicUser>>();
  /** userId -> roomId -> when it was read. */
  const members = new Map<string, Map<string, number>>();
  /** userId -> the ids of its rooms (what a handshake joins). */
  const roomLists = new Map<string, Entry<readonly string[]>>();
  let memberCount = 0;
  /** Bumped by every change: a load that started before it is not kept. */
  let generation = 0;
  let io: ChatServer | undefined;

  const fresh = (at: number | undefined) => at !== undefined && Date.now() - at < ttlMs;
  const remembered = async <V>(map: Map<string, Entry<V>>, key: string, load: () => Promise<V | undefined>): Promise<V | undefined> => {
    const hit = map.get(key);
    if (hit && fresh(hit.at)) return hit.value;
    const started = generation;
    const value = await load();
    if (value !== undefined && started === generation) {
      if (map.size >= maxEntries) map.clear();
      map.set(key, { value, at: Date.now() });
    }
    return value;
  };

  const sessionAccess = async (sessionId: string): Promise<SessionAccess | undefined> => {
    const session = sessions.get(sessionId);
    const list = session && fresh(session.at) ? roomLists.get(session.value.id) : undefined;
    if (session && list && fresh(session.at) && fresh(list.at)) return { user: session.value, roomIds: [...list.value] };
    if (!base.sessionAccess) {
      const user = await remembered(sessions, sessionId, () => base.sessions.findActive(sessionId));
      return user && { user, roomIds: [...((await remembered(roomLists, user.id, () => base.rooms.memberRoomIds(user.id))) ?? [])] };
    }
    const started = generation;
    const found = await base.sessionAccess(sessionId);
    // As `remembered`: only positive answers, and none read across a change (it may predate the change).
    if (found && started === generation) {
      if (sessions.size >= maxEntries) sessions.clear();
      if (roomLists.size >= maxEntries) roomLists.clear();
      const at = Date.now();
      sessions.set(sessionId, { value: found.user, at });
      roomLists.set(found.user.id, { value: [...found.roomIds], at });
    }
    return found;
  };

  const forget = (change: AccessChange) => {
    generation++;
    for (const id of change.sessions ?? []) sessions.delete(id);
    for (const id of [...(change.users ?? []), ...(change.memberships ?? [])]) {
      memberCount -= members.get(id)?.size ?? 0;
      members.delete(id);
      roomLists.delete(id);
    }
    const gone = new Set(change.users ?? []);
    if (gone.size === 0) return;
    for (const id of gone) users.delete(id);
    for (const [sessionId, entry] of sessions) if (gone.has(entry.value.id)) sessions.delete(sessionId);
  };

  const changed = async (change: AccessChange) => {
    forget(change);
    if (!io) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ackTimeoutMs} ms`)), ackTimeoutMs);
    });
    try {
      await Promise.race([io.serverSideEmitWithAck('access:changed', change), late]);
    } catch (error) {
      log.warn({ err: error }, 'not every gateway confirmed the access change in time (their entries expire by themselves)');
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    users: {
      ...base.users,
      findById: (id) => remembered(users, id, () => base.users.findById(id)),
      async delete(id) {
        await base.users.delete(id);
        await changed({ users: [id] });
      },
    },
    sessions: {
      ...base.sessions,
      findActive: (sessionId) => remembered(sessions, sessionId, () => base.sessions.findActive(sessionId)),
      async rotate(refreshToken, device) {
        const result = await base.sessions.rotate(refreshToken, device);
        if (result.outcome === 'replayed') await changed({ sessions: [result.sessionId] });
        return result;
      },
      async end(userId, sessionIds, reason) {
        const ended = await base.sessions.end(userId, sessionIds, reason);
        if (ended.length > 0) await changed({ sessions: ended });
        return ended;
      },
      async endAll(userId, reason, keep) {
        const ended = await base.sessions.endAll(userId, reason, keep);
        if (ended.length > 0) await changed({ sessions: ended });
        return ended;
      },
    },
    rooms: {
      ...base.rooms,
      async isMember(roomId, userId) {
        if (fresh(members.get(userId)?.get(roomId))) return true;
        const started = generation;
        const member = await base.rooms.isMember(roomId, userId);
        if (member && started === generation) {
          if (memberCount >= maxEntries) {
            members.clear();
            memberCount = 0;
          }
          let rooms = members.get(userId);
          if (!rooms) members.set(userId, (rooms = new Map()));
          if (!rooms.has(roomId)) memberCount++;
          rooms.set(roomId, Date.now());
        }
        return member;
      },
      // A copy each time: the caller may change its list, never the one kept.
      memberRoomIds: async (userId) => [...((await remembered(roomLists, userId, () => base.rooms.memberRoomIds(userId))) ?? [])],
      async removeMember(roomId, userId) {
        const removed = await base.rooms.removeMember(roomId, userId);
        await changed({ memberships: [userId] });
        return removed;
      },
    },
    sessionAccess,
    changed,
    attach(server) {
      io = server;
      server.on('access:changed', (change: unknown, done: unknown) => {
        if (change && typeof change === 'object') {
          const c = change as Record<string, unknown>;
          forget({ users: ids(c.users), sessions: ids(c.sessions), memberships: ids(c.memberships) });
        }
        if (typeof done === 'function') done(true);
      });
    },
  };
}

/**
 * `activity` (store/room-activity.ts, which removes a leaving member itself, with its timeline entry)
 * whose leaves drop the leaver's remembered memberships on every gateway before they resolve, as
 * `rooms.removeMember` does above.
 */
export function forgettingLeavers<T extends { leave(roomId: string, userId: string): Promise<boolean> }>(activity: T, access: Pick<AccessCache, 'changed'>): T {
  return {
    ...activity,
    async leave(roomId, userId) {
      const left = await activity.leave(roomId, userId);
      await access.changed({ memberships: [userId] });
      return left;
    },
  };
}

/**
 * `roomEvents` whose joins drop the joiner's remembered room list on every gateway (its next handshake
 * anywhere reads the list again, with the new room). The announcement goes out before the sockets are
 * told to join (one ordered stream): `joined` resolves once every gateway acknowledged it.
 */
export function announcingJoins(roomEvents: RoomEvents, access: Pick<AccessCache, 'changed'>): RoomEvents {
  return {
    ...roomEvents,
    joined(userId, room) {
      const announced = access.changed({ memberships: [userId] });
      void roomEvents.joined(userId, room);
      return announced;
    },
  };
}
