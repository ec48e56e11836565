import type { Invitation, MyRoom, PublicUser, Room, RoomMember, UserProfile } from '@chat/protocol';
import type { ChatApi } from '../api/chat-api';
import type { RealtimeConnection } from '../realtime/realtime-connection';
import type { ChatStore } from './chat-store';
import { asErrorBody } from './history-loader';

const byName = (a: Room, b: Room) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** My rooms, and who of a room's members is online. */
export class RoomDirectory {
  constructor(
    private readonly store: ChatStore,
    private readonly api: ChatApi,
    private readonly connection: RealtimeConnection,
    /** Called for a room that appeared, so its history loads. */
    private readonly onRoomAdded: (room: Room) => void,
    /** Called with the rooms as the server listed them (their read state: attention/attention-sync.ts). */
    private readonly onRefreshed: (rooms: readonly MyRoom[]) => void = () => undefined,
  ) {}

  async refresh(): Promise<void> {
    try {
      const rooms = await this.api.myRooms();
      this.store.commit({ rooms: [...rooms].sort(byName), roomsLoaded: true });
      this.onRefreshed(rooms);
    } catch (error) {
      this.store.commit({ notice: asErrorBody(error, 'Could not load your rooms').message });
    }
  }

  /** A room created, joined, invited to or updated: in the list, sorted by name. */
  add(room: Room): void {
    this.store.commit((state) => ({
      rooms: state.rooms.some((r) => r.id === room.id) ? state.rooms.map((r) => (r.id === room.id ? room : r)) : [...state.rooms, room].sort(byName),
    }));
    this.onRoomAdded(room);
  }

  /** A room of mine renamed, given a topic, archived, or its member count changed (`room:updated`): replaced in place. */
  updated(room: Room): void {
    this.store.commit((state) => (state.rooms.some((r) => r.id === room.id) ? { rooms: state.rooms.map((r) => (r.id === room.id ? room : r)).sort(byName) } : {}));
  }

  /**
   * Someone changed their profile (`user:updated`): every room's member list shows the new display
   * name, status and avatar, so the names on messages follow without a reload.
   */
  profileUpdated(user: UserProfile): void {
    this.store.commit((state) => {
      const rooms = Object.entries(state.members).filter(([, list]) => list.some((m) => m.id === user.id));
      if (rooms.length === 0) return {};
      const members: Record<string, readonly PublicUser[]> = { ...state.members };
      for (const [roomId, list] of rooms) members[roomId] = list.map((m) => (m.id === user.id ? { ...m, ...user } : m));
      return { members };
    });
  }

  /** A member's role or mute changed (`member:updated`): replaced in that room's list. */
  memberUpdated(roomId: string, member: RoomMember): void {
    this.store.commit((state) => {
      const list = state.members[roomId];
      return list?.some((m) => m.id === member.id) ? { members: { ...state.members, [roomId]: list.map((m) => (m.id === member.id ? member : m)) } } : {};
    });
  }

  /** A room left or lost: gone from the list, its timeline forgotten, closed if it was open. */
  remove(roomId: string): void {
    this.store.commit((state) => {
      const { [roomId]: _timeline, ...timelines } = state.timelines;
      return {
        rooms: state.rooms.filter((r) => r.id !== roomId),
        timelines,
        activeRoomId: state.activeRoomId === roomId ? undefined : state.activeRoomId,
      };
    });
  }

  /** Creates a room I own and am a member of. Throws ApiError for the dialog to show. */
  async create(name: string, visibility: 'public' | 'private'): Promise<Room> {
    return this.added(await this.api.createRoom({ name, visibility }));
  }

  async join(roomId: string): Promise<Room> {
    return this.added(await this.api.joinRoom(roomId));
  }

  async openDirect(username: string): Promise<Room> {
    return this.added(await this.api.openDirect(username));
  }

  /** Invites a user to a room I am in (the way into a private room); it joins when it accepts. */
  async invite(roomId: string, username: string): Promise<void> {
    await this.api.invite(roomId, username);
  }

  /** My pending invitations (best effort: new ones still arrive as events, and the next reconnect asks again). */
  async refreshInvitations(): Promise<void> {
    try {
      this.store.commit({ invitations: await this.api.invitations() });
    } catch {
      // See above.
    }
  }

  /** An invitation that arrived live: shown once per room, newest first. */
  invited(invitation: Invitation): void {
    this.store.commit((state) => ({ invitations: [invitation, ...state.invitations.filter((i) => i.room.id !== invitation.room.id)] }));
  }

  /** Accepts an invitation: the room joins my list (the server also sends `room:joined`). */
  async acceptInvitation(roomId: string): Promise<Room> {
    const room = await this.api.acceptInvitation(roomId);
    this.dropInvitation(roomId);
    return this.added(room);
  }

  /** Declines an invitation: it goes, and I never join. */
  async declineInvitation(roomId: string): Promise<void> {
    await this.api.declineInvitation(roomId);
    this.dropInvitation(roomId);
  }

  private dropInvitation(roomId: string): void {
    this.store.commit((state) => ({ invitations: state.invitations.filter((i) => i.room.id !== roomId) }));
  }

  async leave(roomId: string): Promise<void> {
    await this.api.leaveRoom(roomId);
    this.remove(roomId);
  }

  /** The room's members, and who of them is online (presence:list). */
  async loadPresence(roomId: string): Promise<void> {
    try {
      const [members, ack] = await Promise.all([this.api.members(roomId), this.connection.listPresence(roomId)]);
      this.store.commit((state) => {
        const online: Record<string, boolean> = { ...state.online };
        for (const member of members) online[member.id] = false;
        if (ack.ok) for (const user of ack.online) online[user.id] = true;
        online[state.me.id] = true;
        return { members: { ...state.members, [roomId]: members }, online };
      });
    } catch {
      // Presence is a nicety: the room works without it, and the next presence event fills it in.
    }
  }

  private added(room: Room): Room {
    this.add(room);
    return room;
  }
}
