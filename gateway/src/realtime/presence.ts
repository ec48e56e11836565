import { type PresenceDiffEvent, type PublicUser, roomChannel, userChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { ChatServer } from './types';

/** Options of {@link createPresence}; the defaults are what the gateway runs. */
export interface PresenceOptions {
  /**
   * Changes are gathered this long, then sent as one `presence:diff` per room: a room that 1,000
   * members join gets a few diffs instead of one frame per member per member (n²/2). Default 500 ms.
   */
  intervalMs?: number;
  /**
   * A room of which this gateway holds more sockets than this is large: its diffs carry counts, not
   * users, and clients ask `presence:list` when they show the room (as Slack and Discord do for large
   * channels). A local count because it costs nothing; default 100.
   */
  largeRoomSockets?: number;
}

/** A change of one user's sockets on this gateway, waiting for the next flush. */
interface Pending {
  user: PublicUser;
  /** Sockets of the user opened (+) and closed (-) here since the last flush. */
  opened: number;
  closed: number;
  /** Rooms (channels) the user's changed sockets were in. */
  channels: Set<string>;
}

/**
 * Presence that scales with room size: tells the user's rooms that the user came online (first socket
 * anywhere) or went offline (last socket gone), batched per room per interval. Counting the user's
 * sockets across gateways through the adapter keeps no state that a crashed gateway could leave stale;
 * one `fetchSockets` per flush counts every changed user at once.
 */
export function createPresence(io: ChatServer, log: Logger, options: PresenceOptions = {}) {
  const intervalMs = options.intervalMs ?? 500;
  const largeRoomSockets = options.largeRoomSockets ?? 100;
  let pending = new Map<string, Pending>();
  // No timer while nothing changes: an idle gateway spends nothing on presence.
  let timer: NodeJS.Timeout | undefined;

  const flush = async (batch: Map<string, Pending>): Promise<void> => {
    const sockets = await io.in([...batch.keys()].map(userChannel)).fetchSockets();
    const socketsOf = new Map<string, number>();
    for (const s of sockets) socketsOf.set(s.data.user.id, (socketsOf.get(s.data.user.id) ?? 0) + 1);
    const diffs = new Map<string, { online: PublicUser[]; offline: PublicUser[] }>();
    for (const [userId, p] of batch) {
      const now = socketsOf.get(userId) ?? 0;
      // Online: every socket the user has anywhere was opened here in this interval (none before).
      // Offline: none is left. A reconnect within one interval (closed then opened) announces nothing.
      const status = now === 0 && p.closed > 0 ? 'offline' : now > 0 && now === p.opened - p.closed && p.opened > 0 ? 'online' : undefined;
      if (!status) continue;
      for (const channel of p.channels) {
        const diff = diffs.get(channel) ?? { online: [], offline: [] };
        diff[status].push(p.user);
        diffs.set(channel, diff);
      }
    }
    for (const [channel, diff] of diffs) {
      const roomId = channel.slice(roomChannel('').length);
      const local = io.of('/').adapter.rooms.get(channel)?.size ?? 0;
      const event: PresenceDiffEvent =
        local > largeRoomSockets ? { roomId, large: true, cameOnline: diff.online.length, wentOffline: diff.offline.length } : { roomId, online: diff.online, offline: diff.offline };
      io.to(channel).emit('presence:diff', event);
    }
  };

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      const batch = pending;
      pending = new Map();
      // Presence is best effort: counting asks every gateway, and one that is shutting down may not answer.
      flush(batch).catch((error: unknown) => log.warn({ err: error, users: batch.size }, 'could not announce presence'));
    }, intervalMs);
    timer.unref();
  };

  return {
    /**
     * Notes that one of the user's sockets opened or closed here; `channels` are the Socket.IO rooms
     * it was in (its chat rooms are announced to, the rest ignored).
     */
    changed(user: PublicUser, change: 'opened' | 'closed', channels: Iterable<string>): void {
      const p = pending.get(user.id) ?? { user, opened: 0, closed: 0, channels: new Set<string>() };
      p[change]++;
      for (const channel of channels) if (channel.startsWith(roomChannel(''))) p.channels.add(channel);
      pending.set(user.id, p);
      schedule();
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
