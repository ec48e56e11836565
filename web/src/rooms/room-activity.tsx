import type { PublicUser, RoomActivity } from '@chat/protocol';
import { useEffect, useState } from 'react';

/** What the timeline needs: the stored entries, and the live ones (`room:activity`). */
export interface RoomActivitySource {
  roomActivity(roomId: string): Promise<RoomActivity[]>;
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

/**
 * The room's timeline entries, oldest first: the newest stored page when the room opens, then every
 * live `room:activity` of the room, merged by id (a replay after a reconnection adds nothing twice).
 */
export function useRoomActivity(source: RoomActivitySource, roomId: string | undefined): RoomActivity[] {
  const [entries, setEntries] = useState<{ roomId?: string; list: RoomActivity[] }>({ list: [] });
  useEffect(() => {
    if (!roomId) return;
    let open = true;
    const merge = (more: RoomActivity[]) =>
      setEntries((prev) => {
        const byId = new Map((prev.roomId === roomId ? prev.list : []).map((a) => [a.id, a]));
        for (const a of more) byId.set(a.id, a);
        return { roomId, list: [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
      });
    const stop = source.onActivity((a) => a.roomId === roomId && merge([a]));
    // Without the stored entries the live ones still show; the next visit tries again.
    source.roomActivity(roomId).then((list) => open && merge(list), () => undefined);
    return () => {
      open = false;
      stop();
    };
  }, [source, roomId]);
  return entries.roomId === roomId ? entries.list : [];
}

/** A centred system line of the message list. */
export function ActivityLine({ activity, myId }: { activity: RoomActivity; myId: string }) {
  return (
    <li className="activity-line" data-activity={activity.action}>
      <span>{describeActivity(activity, myId)}</span>
    </li>
  );
}
