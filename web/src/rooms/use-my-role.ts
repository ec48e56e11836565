import type { PublicUser, Room, RoomRole } from '@chat/protocol';
import { useCallback, useEffect, useState } from 'react';
import type { ChatApi } from '../api/chat-api';

const RANK: Record<RoomRole, number> = { owner: 3, admin: 2, member: 1 };

/** Orders roles: owner above admin above member; no role (a DM, or not a member) below all. */
export const rank = (role: RoomRole | null | undefined): number => (role ? RANK[role] : 0);

/** Admins and the owner: who may change settings, topic and invite links (the server decides; this hides what it would refuse). */
export const isStaff = (role: RoomRole | null | undefined): boolean => rank(role) >= RANK.admin;

/**
 * My role in a room, read from the members page searched by my username (a room of 10,000 members
 * does not list me on its first page). `undefined` while loading; `reload` after a role change.
 * `room.ownerId` answers for the owner at once, so the owner's controls never wait for the page.
 */
export function useMyRole(api: ChatApi, room: Room | undefined, me: PublicUser): { role: RoomRole | null | undefined; reload: () => Promise<void> } {
  const [role, setRole] = useState<RoomRole | null>();
  const roomId = room?.visibility === 'direct' ? undefined : room?.id;
  const reload = useCallback(async () => {
    setRole(undefined);
    if (!roomId) return setRole(null);
    try {
      const page = await api.membersPage(roomId, me.username);
      setRole(page.members.find((m) => m.id === me.id)?.role ?? null);
    } catch {
      setRole(null);
    }
  }, [api, roomId, me.id, me.username]);
  useEffect(() => void reload(), [reload]);
  return { role: room && room.ownerId === me.id ? 'owner' : role, reload };
}
