import type { PublicUser, RoomActivity } from '@chat/protocol';
import { useEffect, useRef, useState } from 'react';

/** Stored entries asked per page (the route's default). */
export const ACTIVITY_PAGE = 100;

/** What the timeline needs: the stored entries (the newest page, or the page before an entry), and the live ones (`room:activity`). */
export interface RoomActivitySource {
  roomActivity(roomId: string, before?: string): Promise<RoomActivity[]>;
  onActivity(listener: (activity: RoomActivity) => void): () => void;
}

const name = (user: PublicUser | null, myId: string) => (user === null ? 'someone' : user.id === myId ? 'you' : user.username);
/** At the start of a sentence: "You", never a username changed (names are what people chose). */
const capital = (s: string) => (s === 'you' ? 'You' : s === 'someone' ? 'Someone' : s);

/** One entry as a sentence: "Ann removed Bob", "Ann renamed the room to …", "Bob joined". */
export function describeActivity(a: RoomActivity, myId: string): string {
  const actor = name(a.actor, myId);
  const target = name(a.target, myId);
  const d = a.details as Record<string, string | null | undefined>;
  switch (a.action) {
    case 'member.joined':
      return `${capital(actor)} joined`;
    case 'member.left':
      return `${capital(actor)} left`;
    case 'member.kicked':
      return `${capital(actor)} removed ${target}`;
    case 'member.banned':
      return `${capital(actor)} banned ${target}${d.reason ? `: ${d.reason}` : ''}`;
    case 'member.unbanned':
      return `${capital(actor)} lifted the ban on ${target}`;
    case 'member.muted':
      return `${capital(actor)} muted ${target}`;
    case 'member.unmuted':
      return `${capital(actor)} unmuted ${target}`;
    case 'role.changed':
      return d.to === 'admin' ? `${capital(actor)} made ${target} an admin` : `${capital(actor)} made ${target} a member`;
    case 'ownership.transferred':
      return `${capital(actor)} handed the room over to ${target}`;
    case 'room.archived':
      return `${capital(actor)} archived the room`;
    case 'room.unarchived':
      return `${capital(actor)} unarchived the room`;
    case 'room.updated': {
      const parts = [
        d.name !== undefined && `renamed the room to “${d.name}”`,
        d.topic !== undefined && (d.topic ? `set the topic to “${d.topic}”` : 'cleared the topic'),
        d.description !== undefined && 'changed the description',
        d.visibility !== undefined && `made the room ${d.visibility}`,
      ].filter(Boolean);
      return `${capital(actor)} ${parts.join(' and ') || 'changed the room settings'}`;
    }
  }
}

interface Loaded {
  roomId?: string;
  list: RoomActivity[];
  /** The oldest stored entry fetched, and whether older ones remain (the last page was full). */
  oldestStored?: string;
  olderStored: boolean;
  /** A stored page is on its way (one at a time). */
  loading: boolean;
}

const byIdOrder = (a: RoomActivity, b: RoomActivity) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The room's timeline entries, oldest first: the newest stored page when the room opens, then every
 * live `room:activity` of the room, merged by id (a replay after a reconnection adds nothing twice).
 * `reachBack` is the oldest message loaded (ids of messages and entries sort together): while it is
 * older than the oldest entry fetched and older entries remain, the page before is fetched, so the
 * timeline goes back as far as the reader scrolled through the messages.
 */
export function useRoomActivity(source: RoomActivitySource, roomId: string | undefined, reachBack?: string): RoomActivity[] {
  const [entries, setEntries] = useState<Loaded>({ list: [], olderStored: false, loading: false });
  const current = entries.roomId === roomId ? entries : undefined;
  // A page that answers after the reader moved to another room is dropped.
  const shown = useRef(roomId);
  shown.current = roomId;

  // One stored page: the newest (no `before`), or the one before the oldest fetched.
  const load = (forRoom: string, before: string | undefined) => {
    const isOpen = () => shown.current === forRoom;
    setEntries((prev) => (prev.roomId === forRoom ? { ...prev, loading: true } : { roomId: forRoom, list: [], olderStored: false, loading: true }));
    source.roomActivity(forRoom, before).then(
      (page) =>
        isOpen() &&
        setEntries((prev) => {
          const base = prev.roomId === forRoom ? prev : { roomId: forRoom, list: [], olderStored: false, loading: false };
          const byId = new Map(base.list.map((a) => [a.id, a]));
          for (const a of page) byId.set(a.id, a);
          const oldest = page[0]?.id;
          return {
            roomId: forRoom,
            list: [...byId.values()].sort(byIdOrder),
            oldestStored: oldest !== undefined && (base.oldestStored === undefined || oldest < base.oldestStored) ? oldest : base.oldestStored,
            olderStored: before === undefined || base.oldestStored === before ? page.length >= ACTIVITY_PAGE : base.olderStored,
            loading: false,
          };
        }),
      // Without the stored entries the live ones still show; the next visit (or scroll) tries again.
      () => isOpen() && setEntries((prev) => (prev.roomId === forRoom ? { ...prev, loading: false } : prev)),
    );
  };

  useEffect(() => {
    if (!roomId) return;
    const stop = source.onActivity(
      (a) =>
        a.roomId === roomId &&
        setEntries((prev) => {
          const base = prev.roomId === roomId ? prev : { roomId, list: [], olderStored: false, loading: false };
          return { ...base, list: [...new Map([...base.list, a].map((e) => [e.id, e])).values()].sort(byIdOrder) };
        }),
    );
    load(roomId, undefined);
    return stop;
  }, [source, roomId]);

  const wantsOlder = Boolean(
    roomId && current && !current.loading && current.olderStored && current.oldestStored !== undefined && reachBack !== undefined && reachBack < current.oldestStored,
  );
  const before = current?.oldestStored;
  useEffect(() => {
    if (wantsOlder && roomId) load(roomId, before);
  }, [wantsOlder, roomId, before]);

  return current ? current.list : [];
}

/** A centred system line of the message list. */
export function ActivityLine({ activity, myId }: { activity: RoomActivity; myId: string }) {
  return (
    <li className="activity-line" data-activity={activity.action}>
      <span>{describeActivity(activity, myId)}</span>
    </li>
  );
}
